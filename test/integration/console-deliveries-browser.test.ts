/**
 * The delivery log and "view as sent" in a real browser after a real delivery run: the message
 * on the page matches what the SMTP sink received — subject, text, SHA-256 and the .eml bytes.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import PostalMime from 'postal-mime';
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
const collapse = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

describe.skipIf(!browserAvailable)('the deliveries pages in a browser', () => {
  const url = database('sqlite').fresh('file');
  let sink: SmtpSink;
  let server: ConsoleServer;

  beforeAll(async () => {
    sink = await startSmtpSink();
    server = await startConsoleServer({ databaseUrl: url(), smtpUrl: sink.url, now: () => NOW });
    await upsertCustomers(
      server.rt.db.knex,
      [
        customer('ada', { email: 'ada@example.com', first_name: 'Ada', birthday: '03-10', timezone: NY }),
        customer('opt', { email: 'opted@example.com', birthday: '03-10', timezone: NY, subscribed: false }),
      ],
      NOW - DAY,
    );
    await upsertEvents(server.rt.db.knex, [purchase('order-1', 'ada', NOW - 2 * DAY)], NOW);
    await runOnce(server.rt);
    await server.addUser('vi@example.com', 'viewer');
  });
  afterAll(async () => {
    await server?.close();
    await sink?.close();
  });

  it('opens a sent message from the log and it is what the relay received', async () => {
    const received = sink.messages.find((m) => m.envelope.to.includes('ada@example.com'));
    expect(received).toBeDefined();
    const parsed = await PostalMime.parse(received?.raw ?? Buffer.alloc(0));
    const { page, problems } = await browser.open(`${server.url}/console/login`);
    await signInAs(page, server.url, 'vi@example.com');
    await page.goto(`${server.url}/console/deliveries`);
    expect(await page.locator('tbody').textContent()).toMatch(/the customer unsubscribed/);
    await page.getByLabel('Status').selectOption('sent');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((u) => u.searchParams.get('status') === 'sent');
    await screenshot(page, 'console-deliveries-desktop');
    await page.getByRole('link', { name: parsed.subject ?? '' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(parsed.subject);
    const sha = createHash('sha256')
      .update(received?.raw ?? '')
      .digest('hex');
    expect(await page.getByTestId('sha256').textContent()).toBe(sha);
    expect(await page.locator('main').textContent()).toMatch(/still match/);
    expect(collapse(await page.locator('pre').textContent())).toBe(collapse(parsed.text ?? null));
    const frame = page.frameLocator('iframe[title="HTML part of the message"]');
    await expect.poll(() => frame.locator('body').textContent()).toMatch(/Ada/);
    // A frame is painted once it has been in view.
    await page.locator('iframe').scrollIntoViewIfNeeded();
    await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
    await screenshot(page, 'console-message-desktop');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download .eml' }).click(),
    ]);
    expect((await readFile((await download.path()) as string)).equals(received?.raw ?? Buffer.alloc(0))).toBe(
      true,
    );
    expect(problems.filter((p) => !/ERR_ABORTED/.test(p))).toEqual([]);
  });

  it('the log loads at phone width with no errors', async () => {
    const { page, problems } = await browser.open(`${server.url}/console/login`, 'phone');
    await signInAs(page, server.url, 'vi@example.com');
    await page.goto(`${server.url}/console/deliveries`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Deliveries');
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(1);
    expect(problems).toEqual([]);
  });
});
