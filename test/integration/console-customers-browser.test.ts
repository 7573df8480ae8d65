/**
 * The customers pages in a real browser against the daemon's HTTP side, after a real delivery
 * run through the SMTP sink: search as you type, why a message was skipped, an editor's tag,
 * suppression, export and erasure, and a viewer's read-only page — at desktop and phone width.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { runOnce } from '../../src/main.js';
import { browserAvailable, screenshot, useBrowser } from '../support/browser.js';
import { signInAs, startConsoleServer, type ConsoleServer } from '../support/console-server.js';
import { database } from '../support/databases.js';
import { customer, purchase } from '../support/records.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

// 10:00 in New York: birthdays at 09:00 there are due.
const NOW = Date.parse('2027-03-10T15:00:00Z');
const DAY = 86_400_000;
const NY = 'America/New_York';
const browser = useBrowser();

describe.skipIf(!browserAvailable)('the customers pages in a browser', () => {
  const url = database('sqlite').fresh('file');
  let sink: SmtpSink;
  let server: ConsoleServer;

  beforeAll(async () => {
    sink = await startSmtpSink();
    server = await startConsoleServer({ databaseUrl: url(), smtpUrl: sink.url, now: () => NOW });
    const zed = { email: 'Zed.Quill@Example.com', first_name: 'Zedekiah', last_name: 'Quillfeather' };
    await upsertCustomers(
      server.rt.db.knex,
      [
        customer('z-9', { ...zed, birthday: '03-10', timezone: NY, tags: ['regular'] }),
        customer('opt', {
          email: 'ola.opted@example.com',
          birthday: '03-10',
          timezone: NY,
          subscribed: false,
        }),
      ],
      NOW - DAY,
    );
    await upsertEvents(server.rt.db.knex, [purchase('order-77', 'z-9', NOW - 2 * DAY)], NOW);
    await runOnce(server.rt);
    expect(sink.messages.length).toBeGreaterThan(0);
    await server.addUser('ed@example.com', 'editor');
    await server.addUser('vi@example.com', 'viewer');
  });
  afterAll(async () => {
    await server?.close();
    await sink?.close();
  });

  it('an editor finds, tags, suppresses, exports and erases a customer', async () => {
    const { page, problems } = await browser.open(`${server.url}/console/login`);
    await signInAs(page, server.url, 'ed@example.com');
    await page.goto(`${server.url}/console/customers`);
    await page.getByLabel('Search customers').pressSequentially('quill');
    const link = page.locator('#results').getByRole('link', { name: 'Zedekiah Quillfeather' });
    await link.waitFor();
    expect(new URL(page.url()).search).toBe('?q=quill');
    await screenshot(page, 'console-customers-desktop');
    // The search's matches as a CSV download (the form follows the search as it is typed).
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(csv.suggestedFilename()).toMatch(/^customers-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = (await readFile((await csv.path()) as string, 'utf8')).trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^z-9,zed\.quill@example\.com,Zedekiah,/i);

    await page.goto(`${server.url}/console/customers/opt`);
    await expect.poll(() => page.locator('main').textContent()).toMatch(/the customer unsubscribed/);

    await page.goto(`${server.url}/console/customers?q=quill`);
    await link.click();
    await page.getByLabel('Tag to add').fill('vip');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/Tag added/);
    await page.getByLabel('Reason for suppressing').fill('Zedekiah phoned');
    await page.getByRole('button', { name: 'Suppress address' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Suppress address' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/Address suppressed/);
    expect(await page.locator('main').textContent()).toMatch(/Zedekiah phoned \(operator\)/);
    await screenshot(page, 'console-customer-desktop');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export JSON' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('customer-z-9.json');
    const exported = JSON.parse(await readFile((await download.path()) as string, 'utf8')) as {
      customer: { tags: string[] };
    };
    expect(exported.customer.tags).toEqual(['regular', 'vip']);

    await page.getByLabel('Reason for erasing').fill('erasure request of 10 March');
    await page.getByRole('button', { name: 'Erase customer' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Erase' }).click();
    await page.waitForURL((u) => u.search === '?done=erased');
    expect(await page.getByRole('status').textContent()).toMatch(/Customer erased/);
    await page.getByLabel('Search customers').pressSequentially('quill');
    await expect.poll(() => page.locator('#results').textContent()).toMatch(/No customer matches/);
    await page.goto(`${server.url}/console/suppressions?q=zed`);
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toMatch(/zed\.quill@example\.com\s*erased on request/);
    await screenshot(page, 'console-suppressions-desktop');
    // A download is a navigation the browser hands off; nothing else may fail.
    expect(problems.filter((p) => !/ERR_ABORTED/.test(p))).toEqual([]);
  });

  it('a viewer at phone width sees no actions, and a forged change is refused', async () => {
    const { page, problems } = await browser.open(`${server.url}/console/login`, 'phone');
    await signInAs(page, server.url, 'vi@example.com');
    await page.goto(`${server.url}/console/customers?q=ola`);
    await page.locator('#results').getByRole('link', { name: 'opt' }).waitFor();
    await screenshot(page, 'console-customers-phone');
    await page.goto(`${server.url}/console/customers/opt`);
    expect(await page.locator('main').textContent()).toMatch(/viewer role/);
    expect(await page.getByRole('button', { name: /Add tag|Suppress|Erase|Export/ }).count()).toBe(0);
    await screenshot(page, 'console-customer-phone');
    expect(problems).toEqual([]);
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const status = await page.evaluate(async (token) => {
      const body = new URLSearchParams({ _csrf: token, tag: 'forged' });
      return (await fetch('/console/customers/opt/tags', { method: 'POST', body })).status;
    }, csrf);
    expect(status).toBe(403);
  });
});
