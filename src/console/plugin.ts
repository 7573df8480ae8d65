/**
 * The staff console, mounted under /console/ by the HTTP server: sign-in, sessions, CSRF, roles,
 * security headers, the users and account pages, and whatever pages are handed in.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import { AppError, describeError } from '../errors.js';
import { accountPage } from './account-page.js';
import { changesSomething, sameSite, tokenValid } from './csrf.js';
import type { ConsoleDeps, Staff } from './deps.js';
import { unauthenticated } from './guards.js';
import { html } from './layout.js';
import { loginPage } from './login.js';
import { forbidden, messagePage, redirect, wantsJson } from './respond.js';
import { csrfToken, loadSession, SESSION_COOKIE, type ActiveSession } from './session.js';
import { setupPage } from './setup.js';
import { usersPage } from './users-page.js';
import { errorField } from '../error-fields.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in person, or null. */
    staff: Staff | null;
    /** The session's CSRF token, for forms on the page; null when signed out. */
    csrf: string | null;
    consoleSession: ActiveSession | null;
  }
  interface FastifyContextConfig {
    /** Reachable without signing in (sign-in, setup). */
    public?: boolean;
    /**
     * A streamed (multipart) form whose handler checks the `_csrf` field itself, from the first
     * part, before it stores anything; the Origin check still applies here.
     */
    csrfInStream?: boolean;
  }
}

/**
 * A console page module: registers its routes on the console's scope, where paths are relative
 * to /console (`scope.get('/customers', …)` serves /console/customers), every route requires a
 * signed-in person, every POST/PUT/PATCH/DELETE is CSRF-checked, and `requireRole` raises the bar.
 */
export interface ConsolePage {
  name: string;
  register(scope: FastifyInstance, deps: ConsoleDeps): void | Promise<void>;
}

const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const BUILT_IN: readonly ConsolePage[] = [loginPage, setupPage, usersPage, accountPage];

/** Mounts the console at /console on `app`, with the built-in pages and then `pages`. */
export async function consolePlugin(
  app: FastifyInstance,
  deps: ConsoleDeps,
  pages: readonly ConsolePage[] = [],
): Promise<void> {
  await app.register(
    async (scope) => {
      if (!scope.hasRequestDecorator('cookies')) await scope.register(cookie);
      if (!scope.hasContentTypeParser('application/x-www-form-urlencoded')) await scope.register(formbody);
      scope.decorateRequest('staff', null);
      scope.decorateRequest('csrf', null);
      scope.decorateRequest('consoleSession', null);
      scope.addHook('onRequest', async (_request, reply) => securityHeaders(reply));
      scope.addHook('preHandler', (request, reply) => admit(deps, request, reply));
      const routes = new Set<string>();
      scope.addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) routes.add(`${method} ${route.url}`);
      });
      for (const p of [...BUILT_IN, ...pages]) await p.register(scope, deps);
      if (!routes.has('GET /console/') && !routes.has('GET /console')) {
        // Until a dashboard is mounted, the console opens on what the person can use.
        scope.get('/', async (request, reply) =>
          redirect(reply, request.staff?.role === 'owner' ? '/console/users' : '/console/account'),
        );
      }
      // The console's hooks run first: signed-out visitors are sent to sign in, not told what exists.
      scope.setNotFoundHandler(async (request, reply) => {
        return messagePage(
          request,
          reply,
          404,
          'Not found',
          html`<p>There is no such console page.</p>
            <p><a href="/console/">Back to the console</a></p>`,
        );
      });
      scope.setErrorHandler(async (error, request, reply) => failed(deps, error, request, reply));
    },
    { prefix: '/console' },
  );
}

function securityHeaders(reply: FastifyReply): void {
  reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('cache-control', 'no-store');
}

async function identify(deps: ConsoleDeps, request: FastifyRequest): Promise<void> {
  const session = await loadSession(deps, request.cookies[SESSION_COOKIE]);
  request.consoleSession = session ?? null;
  request.staff = session?.staff ?? null;
  request.csrf = session ? csrfToken(session) : null;
}

/** Who is asking, whether they must be signed in, and whether a change came from our pages. */
async function admit(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  await identify(deps, request);
  const unsafe = changesSomething(request.method);
  const refuse = () =>
    wantsJson(request)
      ? reply
          .code(403)
          .send({ error: 'E_CONSOLE_CSRF', message: 'request refused: reload the page and try again' })
      : forbidden(
          request,
          reply,
          'This form came from another site or has expired. Reload the page and try again.',
        );
  if (unsafe && !sameSite(request.headers, deps.publicUrl, request.protocol)) return refuse();
  if (request.routeOptions.config.public === true) return undefined;
  if (request.consoleSession === null) return unauthenticated(request, reply);
  const streamed =
    request.routeOptions.config.csrfInStream === true &&
    /^multipart\/form-data\b/i.test(request.headers['content-type'] ?? '');
  if (unsafe && !streamed && !tokenValid(request, request.consoleSession)) return refuse();
  return undefined;
}

async function failed(deps: ConsoleDeps, error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const status = errorField(error, 'statusCode');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return messagePage(request, reply, status, 'Bad request', html`<p>${describeError(error)}</p>`);
  }
  // An AppError is written for people: say what it says (and its details) rather than hide it.
  if (error instanceof AppError) {
    deps.log.warn({ event: 'console.refused', url: request.url, code: error.code }, error.message);
    if (wantsJson(request)) {
      return reply
        .code(400)
        .send({ error: { code: error.code, message: error.message, details: error.details } });
    }
    return messagePage(
      request,
      reply,
      400,
      'Not done',
      html`<p>${error.message}</p>
        ${
          error.details.length
            ? html`<ul>
                ${error.details.map((d) => html`<li>${d}</li>`)}
              </ul>`
            : ''
        }`,
    );
  }
  deps.log.error(
    { event: 'console.error', url: request.url, error: describeError(error) },
    'console request failed',
  );
  return messagePage(
    request,
    reply,
    500,
    'Something went wrong',
    html`<p>
      The console could not finish this request. Nothing was lost; try again, and see the daemon's log if it
      keeps failing.
    </p>`,
  );
}
