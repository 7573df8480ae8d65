/**
 * The broadcasts pages in a real browser: a broadcast to a tag at 10:00 local time, previewed
 * (audience count, the sample in a sandboxed frame), created and cancelled through the confirm
 * dialog; the new-broadcast form at phone width; no console errors anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, screenshot, useBrowser } from '../support/browser.js';
import { signInAs, startConsoleServer, type ConsoleServer } from '../support/console-server.js';
import { database } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { customer } from '../support/records.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { seedIfEmpty } from '../../src/outreach/startup.js';
import { listBroadcasts } from '../../src/broadcasts/service.js';

const browser = useBrowser();

describe.skipIf(!browserAvailable)('console broadcasts in a browser', () => {
  const url = database('sqlite').fresh('file');
  let sink: SmtpSink;
  let server: ConsoleServer;

  beforeAll(async () => {
    sink = await startSmtpSink();
    server = await startConsoleServer({ databaseUrl: url(), smtpUrl: sink.url, now: Date.now });
    await seedIfEmpty(server.rt);
    await server.addUser('ed@example.com', 'editor');
    await upsertCustomers(
      server.rt.db.knex,
      [
        customer('ann', { tags: ['vip'], first_name: 'Ann', timezone: 'Europe/Paris' }),
        customer('ben', { tags: ['vip'], timezone: 'America/New_York' }),
        customer('cy', { tags: ['local'] }),
      ],
      server.rt.now(),
    );
  });
  afterAll(async () => {
    await server?.close();
    await sink?.close();
  });

  it('creates a broadcast to a tag at 10:00 local after a preview, then cancels it', async () => {
    const { page, problems } = await browser.open(`${server.url}/console/login`);
    await signInAs(page, server.url, 'ed@example.com');
    await page.goto(`${server.url}/console/broadcasts`);
    await page.getByRole('link', { name: 'New broadcast' }).click();
    await page.getByLabel('Name (optional)').fill('Spring sale');
    await page.getByLabel('Template').selectOption('thank-you');
    await page.getByLabel('Tags (any of, comma-separated)').fill('vip');
    await page.getByLabel("At a local time in each customer's zone").check();
    await page.getByLabel('Time (HH:MM)').fill('10:00');
    expect(await page.getByRole('button', { name: 'Create broadcast' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect
      .poll(() => page.locator('#audience-count').innerText())
      .toBe('2 customers are in this audience now.');
    const frame = page.frameLocator('iframe[title="Sample message"]');
    await expect.poll(() => frame.locator('body').textContent()).toMatch(/Ann/);
    expect(await page.locator('iframe').getAttribute('sandbox')).toBe('');
    // The sample paints in its own (sandboxed) process: bring it into view before the picture.
    await page.locator('iframe').scrollIntoViewIfNeeded();
    await screenshot(page, 'console-broadcast-new-desktop');

    await page.getByRole('button', { name: 'Create broadcast' }).click();
    await page.waitForURL((u) => u.search === '?done=created');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Spring sale');
    await page.goto(`${server.url}/console/broadcasts`);
    expect(await page.getByRole('row', { name: /Spring sale/ }).textContent()).toMatch(
      /scheduled.*tags vip \(2\)/s,
    );
    await screenshot(page, 'console-broadcasts-desktop');

    await page.getByRole('link', { name: 'Spring sale' }).click();
    await page.getByRole('button', { name: 'Cancel broadcast' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toMatch(/Cancel broadcast Spring sale\?/);
    await dialog.getByRole('button', { name: 'Cancel broadcast' }).click();
    await page.waitForURL((u) => u.search === '?done=cancelled');
    expect((await listBroadcasts({ ...server.rt })).map((b) => [b.name, b.status, b.sendAt])).toEqual([
      ['Spring sale', 'cancelled', { kind: 'at', time: '10:00', date: null }],
    ]);
    expect(await page.getByRole('button', { name: 'Cancel broadcast' }).count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('the new-broadcast form works at phone width', async () => {
    const { page, problems } = await browser.open(`${server.url}/console/login`, 'phone');
    await signInAs(page, server.url, 'ed@example.com');
    await page.goto(`${server.url}/console/broadcasts/new`);
    await page.getByLabel('Template').selectOption('thank-you');
    await page.getByLabel('Everyone subscribed').check();
    await page.getByLabel('Send now').check();
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect
      .poll(() => page.locator('#audience-count').innerText())
      .toBe('3 customers are in this audience now.');
    await page.locator('iframe').scrollIntoViewIfNeeded();
    await screenshot(page, 'console-broadcast-new-phone');
    expect(problems).toEqual([]);
  });
});
