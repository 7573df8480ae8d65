/**
 * The console as staff meet it, in a real browser against the daemon's own HTTP side: signing in,
 * a wrong password, the session cookie's flags, and pages that load with no console errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, screenshot, useBrowser } from '../support/browser.js';
import {
  signInAs,
  startConsoleServer,
  STAFF_PASSWORD,
  type ConsoleServer,
} from '../support/console-server.js';
import { database } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const browser = useBrowser();

describe.skipIf(!browserAvailable)('console sign-in in a browser', () => {
  const url = database('sqlite').fresh('file');
  let sink: SmtpSink;
  let server: ConsoleServer;

  beforeAll(async () => {
    sink = await startSmtpSink();
    server = await startConsoleServer({ databaseUrl: url(), smtpUrl: sink.url, now: Date.now });
    await server.addUser('owner@example.com', 'owner');
  });
  afterAll(async () => {
    await server?.close();
    await sink?.close();
  });

  it('a wrong password is refused with a message, the right one opens the console', async () => {
    const { page, problems } = await browser.open(`${server.url}/console/`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await page.getByLabel('Email').fill('owner@example.com');
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/email or password/i);
    await screenshot(page, 'console-sign-in-desktop');
    await page.getByLabel('Password').fill(STAFF_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/console/login'));
    await expect(page.getByRole('navigation', { name: 'Console' })).toBeDefined();
    const cookie = (await page.context().cookies()).find((c) => c.name === 'rapport_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console', secure: false });
    // The refused sign-in answers 401 by design; nothing else may fail.
    const unexpected = problems.filter((p) => !/HTTP 401: .*\/console\/login|status of 401/.test(p));
    expect(unexpected).toEqual([]);
    expect(problems.length).toBe(2);
  });

  it('the users page loads at phone width with its styles and no errors', async () => {
    const { page, problems } = await browser.open(`${server.url}/console/login`, 'phone');
    await signInAs(page, server.url, 'owner@example.com');
    await page.goto(`${server.url}/console/users`);
    // The built, hashed stylesheet (a missing one would be a 404 among the problems).
    expect(await page.locator('link[rel=stylesheet]').getAttribute('href')).toMatch(/console-\w+\.css$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/Users/);
    await screenshot(page, 'console-users-phone');
    expect(problems).toEqual([]);
  });
});
