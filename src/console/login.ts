/**
 * Signing in and out. A wrong password and an unknown address get the same answer in about the
 * same time; failures are limited per account and per client address, counted in the database
 * so every worker enforces the same limit.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  clearFailures,
  recentFailures,
  recordFailure,
  type AttemptKind,
} from '../db/staff-login-attempts.js';
import { deleteExpiredSessions } from '../db/staff-sessions.js';
import { findStaffByEmail } from '../db/staff-users.js';
import type { ConsoleDeps } from './deps.js';
import { safeNext } from './guards.js';
import { html, page } from './layout.js';
import { DUMMY_HASH, verifyPassword } from './password.js';
import type { ConsolePage } from './plugin.js';
import { redirect, sendPage } from './respond.js';
import { createSession, endSession, SESSION_COOKIE } from './session.js';
import { audit } from './staff.js';

const LOGIN_WINDOW_MS = 15 * 60_000;
const LOGIN_LIMITS = { account: 5, address: 20 } as const;
const WRONG = 'Wrong email or password.';

interface LoginBody {
  email?: unknown;
  password?: unknown;
  next?: unknown;
}

function loginForm(next: string, email: string, error: string | null): string {
  return page({
    title: 'Sign in',
    staff: null,
    csrf: null,
    body: html`<h1>Sign in to Rapport</h1>
      ${error ? html`<p role="alert">${error}</p>` : ''}
      <form method="post" action="/console/login">
        <input type="hidden" name="next" value="${next}" />
        <p>
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="username" required value="${email}" />
        </p>
        <p>
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </p>
        <p><button type="submit">Sign in</button></p>
      </form>`,
  });
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, only for /console, Secure behind https. */
function setSessionCookie(deps: ConsoleDeps, reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/console',
    secure: deps.publicUrl.startsWith('https:'),
    maxAge: Math.floor(deps.config.console.session_max / 1000),
  });
}

/** Signs a person in on a fresh session, ending the one the browser had (no fixation). */
export async function startSession(
  deps: ConsoleDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  userId: number,
): Promise<void> {
  if (request.consoleSession) await endSession(deps, request.consoleSession.id);
  // Sign-ins are rare, so they are when old sessions are swept away.
  await deleteExpiredSessions(deps.db.knex, deps.now(), deps.config.console.session_idle);
  const token = await createSession(deps, userId, {
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  });
  setSessionCookie(deps, reply, token);
}

/** When a password for this account may be tried again, or null when it may be tried now. */
export async function blockedUntil(deps: ConsoleDeps, email: string, ip: string): Promise<number | null> {
  const since = deps.now() - LOGIN_WINDOW_MS;
  const account = await recentFailures(deps.db.knex, 'account', email, since);
  const address = await recentFailures(deps.db.knex, 'address', ip, since);
  const until: number[] = [];
  if (account.count >= LOGIN_LIMITS.account && account.oldest !== null)
    until.push(account.oldest + LOGIN_WINDOW_MS);
  if (address.count >= LOGIN_LIMITS.address && address.oldest !== null)
    until.push(address.oldest + LOGIN_WINDOW_MS);
  return until.length === 0 ? null : Math.max(...until);
}

/** Counts a wrong password against the account and the client address. */
export async function noteFailure(deps: ConsoleDeps, email: string, ip: string): Promise<void> {
  const attempts: Array<{ kind: AttemptKind; key: string }> = [{ kind: 'address', key: ip }];
  if (email !== '') attempts.push({ kind: 'account', key: email });
  await recordFailure(deps.db.knex, attempts, deps.now(), LOGIN_WINDOW_MS);
}

export function tooMany(deps: ConsoleDeps, reply: FastifyReply, until: number): FastifyReply {
  const seconds = Math.max(1, Math.ceil((until - deps.now()) / 1000));
  const minutes = Math.ceil(seconds / 60);
  const at = new Date(until).toISOString().slice(11, 16);
  reply.header('retry-after', String(seconds));
  return sendPage(
    reply,
    429,
    page({
      title: 'Too many wrong passwords',
      staff: null,
      csrf: null,
      body: html`<h1>Too many wrong passwords</h1>
        <p>
          Passwords are not checked for this account or address for now. Try again after ${at} UTC (in
          ${minutes} minute${minutes === 1 ? '' : 's'}).
        </p>
        <p>
          If you forgot your password, ask an owner to reset it, or run
          <code>rapport users reset-password EMAIL</code> on the server.
        </p>`,
    }),
  );
}

async function signIn(deps: ConsoleDeps, request: FastifyRequest<{ Body: LoginBody }>, reply: FastifyReply) {
  const body = request.body ?? {};
  const next = safeNext(body.next);
  const email = typeof body.email === 'string' ? body.email.trim().toLowerCase().slice(0, 254) : '';
  const password = typeof body.password === 'string' ? body.password : '';
  const until = await blockedUntil(deps, email, request.ip);
  if (until !== null) return tooMany(deps, reply, until);
  const user = email === '' ? undefined : await findStaffByEmail(deps.db.knex, email);
  const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
  if (!user || !ok) {
    await noteFailure(deps, email, request.ip);
    deps.log.warn({ event: 'console.login_failed', ip: request.ip }, 'console sign-in failed');
    return sendPage(reply, 401, loginForm(next, email, WRONG));
  }
  await clearFailures(deps.db.knex, 'account', email);
  await startSession(deps, request, reply, user.id);
  await audit(deps.db, user, 'session.login', user.email, { ip: request.ip }, deps.now());
  return redirect(reply, next);
}

export const loginPage: ConsolePage = {
  name: 'login',
  register(scope, deps) {
    scope.get<{ Querystring: { next?: string } }>(
      '/login',
      { config: { public: true } },
      async (request, reply) => {
        const next = safeNext(request.query.next);
        if (request.staff) return redirect(reply, next);
        return sendPage(reply, 200, loginForm(next, '', null));
      },
    );
    scope.post<{ Body: LoginBody }>('/login', { config: { public: true } }, (request, reply) =>
      signIn(deps, request, reply),
    );
    scope.post('/logout', async (request, reply) => {
      const session = request.consoleSession;
      if (session) {
        await endSession(deps, session.id);
        await audit(deps.db, session.staff, 'session.logout', session.staff.email, {}, deps.now());
      }
      reply.clearCookie(SESSION_COOKIE, { path: '/console' });
      return redirect(reply, '/console/login');
    });
  },
};
