/**
 * A console on a fastify instance built in the test: fresh database, chosen config and clock,
 * and helpers to sign in and post forms as a browser would (cookie, CSRF token, Origin).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Database } from '../../src/db/connect.js';
import type { DbRuntime } from '../../src/runtime.js';
import { openTestRuntime } from './runtime.js';
import { consolePlugin, type ConsolePage } from '../../src/console/plugin.js';
import type { ConsoleDeps } from '../../src/console/deps.js';
import { addStaff, type StaffRole } from '../../src/console/staff.js';

export const PUBLIC_URL = 'http://127.0.0.1:8080';
export const ORIGIN = { origin: PUBLIC_URL };

export interface TestConsole {
  app: FastifyInstance;
  db: Database;
  rt: DbRuntime;
  deps: ConsoleDeps;
  clock: { now: number };
  close(): Promise<void>;
}

export async function startTestConsole(
  databaseUrl: string,
  options: {
    publicUrl?: string;
    pages?: ConsolePage[];
    console?: Record<string, unknown>;
    /** Where test sends go (a sink's URL); nothing connects until something is sent. */
    smtpUrl?: string;
    /** Deep-merged over the shipped config, as openTestRuntime does. */
    config?: Record<string, unknown>;
  } = {},
): Promise<TestConsole> {
  const clock = { now: Date.parse('2027-03-10T15:00:00Z') };
  const publicUrl = options.publicUrl ?? PUBLIC_URL;
  const rt = await openTestRuntime({
    databaseUrl,
    smtpUrl: options.smtpUrl ?? 'smtp://127.0.0.1:2525',
    now: () => clock.now,
    config: { ...options.config, console: options.console ?? {}, http: { public_url: publicUrl } },
  });
  const db = rt.db;
  const deps: ConsoleDeps = { db, config: rt.config, log: rt.log, now: rt.now, publicUrl, rt };
  const app = Fastify();
  await consolePlugin(app, deps, options.pages ?? []);
  await app.ready();
  return {
    app,
    db,
    rt,
    deps,
    clock,
    close: async () => {
      await app.close();
      await rt.close();
    },
  };
}

export const PASSWORD = 'correct horse battery';

export async function seedUser(c: TestConsole, email: string, role: StaffRole, password = PASSWORD) {
  return addStaff(c.db, 'test', { email, role, password }, c.clock.now);
}

/** The session cookie a response set, as a Cookie header value. */
export function sessionCookie(setCookie: string | string[] | undefined): string {
  const all = [setCookie ?? []].flat();
  const found = all.find((c) => c.startsWith('rapport_console='));
  if (!found) throw new Error(`no session cookie in ${JSON.stringify(all)}`);
  return found.split(';')[0] as string;
}

export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export async function signIn(c: TestConsole, email: string, password = PASSWORD) {
  const res = await c.app.inject({
    method: 'POST',
    url: '/console/login',
    headers: { ...FORM, ...ORIGIN },
    payload: form({ email, password }),
  });
  return res;
}

/** A signed-in browser: its cookie and the CSRF token its pages carry. */
export async function session(c: TestConsole, email: string, password = PASSWORD) {
  const res = await signIn(c, email, password);
  if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const cookie = sessionCookie(res.headers['set-cookie']);
  const account = await c.app.inject({ method: 'GET', url: '/console/account', headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(account.body)?.[1];
  if (!csrf) throw new Error('no CSRF token on the account page');
  return {
    cookie,
    csrf,
    get: (url: string) => c.app.inject({ method: 'GET', url, headers: { cookie } }),
    post: (url: string, fields: Record<string, string>, headers: Record<string, string> = ORIGIN) =>
      c.app.inject({
        method: 'POST',
        url,
        headers: { cookie, ...FORM, ...headers },
        payload: form({ _csrf: csrf, ...fields }),
      }),
  };
}
