/**
 * The whole HTTP side as the daemon serves it — public routes, the console and its built assets —
 * on a free 127.0.0.1 port whose address is also `http.public_url`, so a real browser's Origin
 * matches what the console expects. No scheduler or delivery loop runs unless the test adds one.
 */
import { createServer } from 'node:net';
import type { Page } from 'playwright-core';
import { buildPlugins, buildRoutes } from '../../src/http/routes.js';
import { startHttpServer } from '../../src/http/server.js';
import { addStaff, type StaffRole } from '../../src/console/staff.js';
import type { DbRuntime } from '../../src/runtime.js';
import { fakeWorkerHealth, type FakeWorkerHealth } from './http.js';
import { openTestRuntime } from './runtime.js';

export const STAFF_PASSWORD = 'correct horse battery';

export interface ConsoleServer {
  /** `http://127.0.0.1:PORT`, also the runtime's http.public_url. */
  url: string;
  rt: DbRuntime;
  health: FakeWorkerHealth;
  /** Adds a console user with STAFF_PASSWORD (or the one given). */
  addUser(email: string, role: StaffRole, password?: string): Promise<void>;
  close(): Promise<void>;
}

export interface ConsoleServerOptions {
  databaseUrl: string;
  smtpUrl: string;
  now: () => number;
  /** Deep-merged over the shipped config (http.listen and http.public_url are set here). */
  config?: Record<string, unknown>;
}

export async function startConsoleServer(o: ConsoleServerOptions): Promise<ConsoleServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = o.config ?? {};
  const http = { ...((config.http as Record<string, unknown> | undefined) ?? {}) };
  const rt = await openTestRuntime({
    databaseUrl: o.databaseUrl,
    smtpUrl: o.smtpUrl,
    now: o.now,
    config: { ...config, http: { ...http, listen: `127.0.0.1:${port}`, public_url: url } },
  });
  const health = fakeWorkerHealth(rt.now());
  const server = await startHttpServer(
    `127.0.0.1:${port}`,
    { routes: buildRoutes({ rt, health, wake: () => undefined }), plugins: buildPlugins({ rt }) },
    rt.log,
  );
  return {
    url,
    rt,
    health,
    addUser: async (email, role, password = STAFF_PASSWORD) => {
      await addStaff(rt.db, 'test', { email, role, password }, rt.now());
    },
    close: async () => {
      await server.close();
      await rt.close();
    },
  };
}

/** Signs in through the sign-in form, as a person would; resolves once the console has opened. */
export async function signInAs(
  page: Page,
  url: string,
  email: string,
  password = STAFF_PASSWORD,
): Promise<void> {
  await page.goto(`${url}/console/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/console/login'));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
