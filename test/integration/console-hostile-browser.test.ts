/**
 * The console against a hostile world, in a real browser on SQLite: a page on another origin
 * that posts to the console, a run of wrong passwords, a viewer forging a change with their own
 * token; and the dashboard and upcoming pages at desktop and phone size, a skip and a refresh included.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertWorkerStatus } from '../../src/db/worker-status.js';
import { runOnce } from '../../src/main.js';
import { browserAvailable, screenshot, useBrowser } from '../support/browser.js';
import { signInAs, startConsoleServer, type ConsoleServer } from '../support/console-server.js';
import { database } from '../support/databases.js';
import { customer } from '../support/records.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const browser = useBrowser();
const NOW = Date.parse('2027-03-10T15:00:00Z');
const DAY = 86_400_000;
const NY = 'America/New_York';

/** A page on another origin that posts a form to the console as soon as it loads. */
async function attacker(
  target: string,
  fields: Record<string, string>,
): Promise<{ url: string; server: Server }> {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`)
    .join('');
  const body = `<!doctype html><title>Win a prize</title><form method="post" action="${target}">${inputs}</form><script>document.forms[0].submit()</script>`;
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/`, server };
}

describe.skipIf(!browserAvailable)('the console against hostile pages, in a browser', () => {
  const url = database('sqlite').fresh('file');
  const clock = { now: NOW };
  let sink: SmtpSink;
  let server: ConsoleServer;
  const count = async (table: string, where: Record<string, string>) =>
    Number((await server.rt.db.knex(table).where(where).count({ n: '*' }))[0]?.n);

  beforeAll(async () => {
    sink = await startSmtpSink();
    server = await startConsoleServer({ databaseUrl: url(), smtpUrl: sink.url, now: () => clock.now });
    await upsertCustomers(
      server.rt.db.knex,
      [
        customer('c-101', { email: 'ann@example.com', first_name: 'Ann', birthday: '03-10', timezone: NY }),
        customer('c-102', { email: 'bob@example.com', first_name: 'Bob', birthday: '03-10', timezone: NY }),
        customer('c-103', { email: 'cy@example.org', first_name: 'Cy', birthday: '03-11', timezone: NY }),
        customer('c-104', { email: 'di@example.org', first_name: 'Di', birthday: '03-12', timezone: NY }),
      ],
      NOW - DAY,
    );
    await runOnce(server.rt);
    await server.addUser('owner@example.com', 'owner');
    await server.addUser('ed@example.com', 'editor');
    await server.addUser('vi@example.com', 'viewer');
    await server.addUser('target@example.com', 'viewer');
  });
  afterAll(async () => {
    await server?.close();
    await sink?.close();
  });

  it('refuses a form that another origin posts with the owner signed in; nothing changes', async () => {
    const { page } = await browser.open(`${server.url}/console/login`);
    await signInAs(page, server.url, 'owner@example.com');
    for (const [path, fields] of [
      ['/console/users', { email: 'evil@attacker.example', role: 'owner', password: 'a long password 123' }],
      [
        '/console/upcoming/skip',
        { automation: 'birthday', customer: 'c-103', occurrence: '2027', utc: '2027-03-11T14:00:00.000Z' },
      ],
    ] as const) {
      const evil = await attacker(`${server.url}${path}`, fields);
      try {
        const answer = page.waitForResponse((r) => r.url() === `${server.url}${path}`);
        await page.goto(evil.url);
        expect((await answer).status()).toBe(403);
        await page.waitForURL(`${server.url}${path}`);
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not allowed');
      } finally {
        evil.server.close();
      }
    }
    expect(await count('staff_users', { email: 'evil@attacker.example' })).toBe(0);
    expect(await count('deliveries', { customer_id: 'c-103' })).toBe(0);
    await page.goto(`${server.url}/console/users`);
    await screenshot(page, 'console-users-desktop');
  });

  it('pauses sign-in after five wrong passwords: the sixth gets 429 with when to try again', async () => {
    const { page, problems } = await browser.open(`${server.url}/console/login`, 'phone');
    await screenshot(page, 'console-sign-in-phone');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      await page.getByLabel('Email').fill('target@example.com');
      await page.getByLabel('Password').fill(`wrong password number ${i}`);
      const answer = page.waitForResponse((r) => r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Sign in' }).click();
      statuses.push((await answer).status());
      if (i < 5) await page.getByLabel('Password').waitFor();
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const said = (await page.locator('main').textContent())?.replace(/\s+/g, ' ');
    expect(said).toMatch(/Try again after \d\d:\d\d UTC \(in 15 minutes\)/);
    expect(problems.every((p) => /HTTP 40?1|HTTP 429|status of 4(01|29)/.test(p))).toBe(true);
  });

  it("refuses a viewer's forged skip carrying their own valid token; nothing changes", async () => {
    const { page } = await browser.open(`${server.url}/console/login`);
    await signInAs(page, server.url, 'vi@example.com');
    await page.goto(`${server.url}/console/upcoming`);
    expect(await page.getByRole('button', { name: /^Skip/ }).count()).toBe(0);
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const forged = await page.request.post(`${server.url}/console/upcoming/skip`, {
      headers: { origin: server.url },
      form: {
        _csrf: csrf,
        automation: 'birthday',
        customer: 'c-103',
        occurrence: '2027',
        utc: '2027-03-11T14:00:00.000Z',
      },
    });
    expect(forged.status()).toBe(403);
    expect(await count('deliveries', { customer_id: 'c-103' })).toBe(0);
    expect(await count('staff_audit', { action: 'upcoming.skip' })).toBe(0);
  });

  it('shows the dashboard at desktop and phone size without errors', async () => {
    // A worker's own report, as a running daemon writes it every heartbeat.
    await upsertWorkerStatus(server.rt.db.knex, {
      worker_id: 'shop-server:4242:1f9a3c',
      host: 'shop-server',
      pid: 4242,
      version: '1.0.0',
      started_at: NOW - 7 * 3_600_000,
      heartbeat_at: NOW - 10_000,
      heartbeat_ms: 15_000,
      stopped_at: null,
      relay: 'ok',
      relay_error: null,
      breaker: 'closed',
      breaker_opened_at: null,
      breaker_reopens_at: null,
      breaker_reason: null,
      last_tick_at: NOW - 40_000,
      sent_last_minute: 2,
    });
    for (const viewport of ['desktop', 'phone'] as const) {
      const { page, problems } = await browser.open(`${server.url}/console/login`, viewport);
      await signInAs(page, server.url, 'vi@example.com');
      expect(new URL(page.url()).pathname).toBe('/console/');
      await page.getByRole('img', { name: 'Messages per day, last 30 days' }).waitFor();
      expect(await page.getByRole('heading', { name: 'By automation' }).count()).toBe(1);
      await page.getByText('All is well: 1 worker running, the relay accepting mail.').waitFor();
      expect(await page.getByRole('heading', { name: 'shop-server:4242:1f9a3c: running' }).count()).toBe(1);
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      await screenshot(page, `console-dashboard-${viewport}`);
      expect(problems).toEqual([]);
    }
  });

  it('skips one upcoming send from the page, and the delivery run sends nothing to them', async () => {
    const phone = await browser.open(`${server.url}/console/login`, 'phone');
    await signInAs(phone.page, server.url, 'ed@example.com');
    await phone.page.goto(`${server.url}/console/upcoming`);
    await screenshot(phone.page, 'console-upcoming-phone');
    expect(await phone.page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(phone.problems).toEqual([]);

    const { page, problems } = await browser.open(`${server.url}/console/login`);
    await signInAs(page, server.url, 'ed@example.com');
    await page.goto(`${server.url}/console/upcoming`);
    await screenshot(page, 'console-upcoming-desktop');
    await page.getByRole('button', { name: 'Skip birthday for cy@example.org' }).click();
    const dialog = page.getByRole('dialog', { name: /Skip birthday for cy@example.org\?/ });
    await dialog.getByRole('button', { name: 'Skip' }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toMatch(/Skipped/);
    expect(await page.getByRole('button', { name: 'Skip birthday for cy@example.org' }).count()).toBe(0);
    expect(await page.getByText('Skipped by ed@example.com').count()).toBe(1);
    await page.getByRole('button', { name: 'Refresh now' }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toMatch(/computed again/);
    const freshness = await page.locator('main p', { hasText: 'Forecast as of' }).textContent();
    expect(freshness?.replace(/\s+/g, ' ')).toMatch(/Forecast as of \d\d:\d\d \(America\/New_York\)/);
    expect(problems).toEqual([]);

    clock.now = Date.parse('2027-03-11T15:00:00Z');
    const before = sink.messages.length;
    await runOnce(server.rt);
    expect(sink.messages.some((m) => m.envelope.to.includes('cy@example.org'))).toBe(false);
    expect(sink.messages.length).toBe(before);
    expect(
      await count('deliveries', { customer_id: 'c-103', status: 'skipped', skipped_by: 'ed@example.com' }),
    ).toBe(1);
  });
});
