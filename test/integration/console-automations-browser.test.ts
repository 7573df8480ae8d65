/**
 * The automations pages in a real browser, desktop and phone: an edit refused naming the field,
 * a valid one previewed with what it moves, disabling previewed with what it cancels and then
 * saved (gone from the upcoming forecast), and a viewer who sees no buttons and whose forged
 * post is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, screenshot, useBrowser } from '../support/browser.js';
import { signInAs, startConsoleServer, type ConsoleServer } from '../support/console-server.js';
import { database } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { customer, purchase } from '../support/records.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { forecast, type ForecastLine } from '../../src/schedule/forecast.js';

const browser = useBrowser();
const HOUR = 3_600_000;
// A 400 answers a refused form by design; nothing else may fail.
const unexpected = (problems: string[]) =>
  problems.filter((p) => !/^HTTP 400: .*\/preview$|status of 400 \(Bad Request\)/.test(p));

describe.skipIf(!browserAvailable)('console automations in a browser', () => {
  const url = database('sqlite').fresh('file');
  let sink: SmtpSink;
  let server: ConsoleServer;

  beforeAll(async () => {
    sink = await startSmtpSink();
    server = await startConsoleServer({ databaseUrl: url(), smtpUrl: sink.url, now: Date.now });
    await server.addUser('ed@example.com', 'editor');
    await server.addUser('vi@example.com', 'viewer');
    const now = server.rt.now();
    const knex = server.rt.db.knex;
    await upsertCustomers(
      knex,
      ['ann', 'ben'].map((id) => customer(id, { timezone: 'America/New_York' })),
      now - 86_400_000,
    );
    // how-did-it-go (7 days after a purchase, 10:00) sends both within the next 7 days.
    await upsertEvents(
      knex,
      [purchase('o1', 'ann', now - 24 * HOUR), purchase('o2', 'ben', now - 48 * HOUR)],
      now,
    );
  });
  afterAll(async () => {
    await server?.close();
    await sink?.close();
  });

  async function upcoming(): Promise<ForecastLine[]> {
    const lines: ForecastLine[] = [];
    const from = server.rt.now();
    await server.rt.automations.refresh();
    await forecast(server.rt.db, server.rt.config, {
      from,
      to: from + 7 * 86_400_000,
      useBooks: true,
      onLines: (l) => void lines.push(...l),
    });
    return lines.filter((l) => l.automation === 'how-did-it-go' && l.outcome === 'send');
  }

  it('an editor edits with a preview, then disables with a preview of what it cancels', async () => {
    const { page, problems } = await browser.open(`${server.url}/console/login`);
    await signInAs(page, server.url, 'ed@example.com');
    await page.goto(`${server.url}/console/automations`);
    expect(await page.getByRole('row', { name: /How did it go/ }).textContent()).toMatch(
      /1 week after each purchase, at the next 10:00 their time/,
    );
    await screenshot(page, 'console-automations-desktop');

    await page.getByRole('link', { name: 'How did it go? follow-ups' }).click();
    await page.getByLabel('At their time').fill('25:00');
    await page.getByRole('button', { name: 'Preview change' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/on\.at: "25:00" is not a time/);
    await page.getByLabel('At their time').fill('10:00');
    await page.getByLabel('After').fill('3d');
    await page.getByRole('button', { name: 'Preview change' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/adds 0, moves 2 and cancels 0/);
    await screenshot(page, 'console-automation-edit-desktop');
    await page.getByRole('link', { name: 'Cancel' }).click();
    expect((await upcoming()).length).toBe(2);

    await page.goto(`${server.url}/console/automations`);
    await page.getByRole('button', { name: 'Disable how-did-it-go' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/adds 0, moves 0 and cancels 2/);
    await page.getByRole('button', { name: 'Confirm and save' }).click();
    await page.waitForURL((u) => u.search === '?done=disabled');
    expect(await page.getByRole('status').textContent()).toMatch(/Disabled/);
    await page.goto(`${server.url}/console/automations`);
    expect(await page.getByRole('row', { name: /How did it go/ }).textContent()).toMatch(/disabled/);
    expect(await upcoming()).toEqual([]);
    expect(unexpected(problems)).toEqual([]);
    expect(problems.length).toBe(2);
  });

  it('a viewer on a phone sees no buttons, and a forged post is refused', async () => {
    const { page, problems } = await browser.open(`${server.url}/console/login`, 'phone');
    await signInAs(page, server.url, 'vi@example.com');
    await page.goto(`${server.url}/console/automations`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Automations');
    expect(await page.getByRole('button', { name: /^(Disable|Enable)/ }).count()).toBe(0);
    await screenshot(page, 'console-automations-phone');
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const forged = await page.request.post(`${server.url}/console/automations/birthday/preview`, {
      form: { _csrf: csrf, enabled: 'false' },
      headers: { origin: server.url },
    });
    expect(forged.status()).toBe(403);
    expect(problems).toEqual([]);
  });
});
