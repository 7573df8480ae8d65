/**
 * The template editor as staff use it, in Chromium against the daemon's HTTP side: problems in
 * the list and the gutter as one types, the preview as two real customers, a test send that
 * reaches the relay and no delivery, publish then restore, a hostile template that runs nothing,
 * a viewer who cannot publish, and every templates page at desktop and phone with no errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { simpleParser } from 'mailparser';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { seedIfEmpty } from '../../src/outreach/startup.js';
import type { CustomerInput } from '../../src/domain.js';
import { browserAvailable, screenshot, useBrowser } from '../support/browser.js';
import { signInAs, startConsoleServer, type ConsoleServer } from '../support/console-server.js';
import { database } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const browser = useBrowser();
const HOUR = 3_600_000;
const LINES = [
  '<p>Hi {{customer.first_name}},</p>',
  '<p>2</p>',
  '<p>3</p>',
  '<p>4</p>',
  '<p>5</p>',
  '<p>6</p>',
];
const BROKEN = [...LINES, '<p>You bought {{event.data.item}</p>'].join('\n');
const FIXED = [...LINES, '<p>You bought {{event.data.item}}</p>'].join('\n');

function customer(id: string, first: string, email: string): CustomerInput {
  return {
    id,
    email,
    first_name: first,
    last_name: 'Example',
    birthday: null,
    timezone: 'Europe/Berlin',
    locale: null,
    customer_since: null,
    country: null,
    region: null,
    tags: [],
    subscribed: true,
    attributes: {},
  };
}

/** Replaces the HTML tab's text as if typed (CodeMirror lives in a shadow root per tab). */
async function setHtml(page: Page, text: string): Promise<void> {
  const editor = page.getByLabel('HTML of the template');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(text);
}

const frameText = (page: Page) => page.frameLocator('iframe.editor-frame').locator('body').innerText();

describe.skipIf(!browserAvailable)('console templates in a browser', () => {
  const url = database('sqlite').fresh('file');
  let sink: SmtpSink;
  let server: ConsoleServer;

  beforeAll(async () => {
    sink = await startSmtpSink();
    server = await startConsoleServer({ databaseUrl: url(), smtpUrl: sink.url, now: Date.now });
    await seedIfEmpty(server.rt);
    const now = Date.now();
    await upsertCustomers(
      server.rt.db.knex,
      [customer('c1', 'Ada', 'ada@example.com'), customer('c2', 'Grace', 'grace@example.com')],
      now,
    );
    await upsertEvents(
      server.rt.db.knex,
      [
        {
          id: 'e1',
          customer_id: 'c1',
          type: 'purchase',
          occurred_at: now - 2 * HOUR,
          data: { item: 'Espresso beans' },
        },
        {
          id: 'e2',
          customer_id: 'c2',
          type: 'purchase',
          occurred_at: now - HOUR,
          data: { item: 'Tea sampler' },
        },
      ],
      now,
    );
    await server.addUser('ed@example.com', 'editor');
    await server.addUser('vi@example.com', 'viewer');
  });
  afterAll(async () => {
    await server?.close();
    await sink?.close();
  });

  it('shows problems as typed, previews two customers, sends a test, publishes and restores', async () => {
    const { page, problems } = await browser.open(`${server.url}/console/login`);
    await signInAs(page, server.url, 'ed@example.com');
    await page.goto(`${server.url}/console/templates`);
    await screenshot(page, 'console-templates-desktop');
    await page.getByRole('link', { name: 'thank-you', exact: true }).click();
    await page.getByRole('tab', { name: /HTML/ }).waitFor();

    await setHtml(page, BROKEN);
    const list = page.getByRole('list', { name: 'Problems', exact: true });
    await expect.poll(() => list.innerText(), { timeout: 3000 }).toMatch(/HTML, line 7: .*error/i);
    expect(await page.locator('.cm-lint-marker-error').count()).toBe(1);
    await setHtml(page, FIXED);
    await expect.poll(() => list.innerText(), { timeout: 3000 }).toBe('');
    expect(await page.locator('.cm-lint-marker-error').count()).toBe(0);

    const picker = page.getByRole('combobox', { name: 'Preview as' });
    for (const [name, item] of [
      ['Grace', 'Tea sampler'],
      ['Ada', 'Espresso beans'],
    ] as const) {
      await picker.fill(name);
      await page.getByRole('option', { name: new RegExp(name) }).click();
      await expect.poll(() => frameText(page), { timeout: 5000 }).toContain(`Hi ${name},`);
      expect(await frameText(page)).toContain(`You bought ${item}`);
    }
    await screenshot(page, 'console-template-editor-desktop');

    await page.getByLabel('Send a test to').fill('me@example.com');
    await page.getByRole('button', { name: 'Send test' }).click();
    const [message] = await sink.waitForMessages(1);
    const mail = await simpleParser(message!.raw);
    expect(mail.subject).toMatch(/^\[Test\] /);
    expect(mail.html).toContain('You bought Espresso beans');
    expect(await listDeliveries(server.rt.db.knex, {})).toEqual([]);

    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Publish' }).click();
    await page.waitForURL(/done=published/);
    expect(await page.getByRole('status').first().innerText()).toMatch(/Published/);
    await page.getByRole('link', { name: 'History' }).click();
    await page.getByRole('button', { name: 'Restore version 1' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
    await page.waitForURL(/done=restored/);
    // Newest first: the restored copy, published; below it the autosaved drafts and the seed.
    const rows = (await page.getByRole('row').allInnerTexts()).slice(1);
    expect(rows[0]).toMatch(/ed@example\.com.*restore.*in use.*published by ed@example\.com/s);
    expect(rows[1]).toMatch(/ed@example\.com.*edit/s);
    expect(rows.find((r) => /published by ed@example\.com/.test(r) && !/in use/.test(r))).toBeDefined();
    expect(rows.at(-1)).toMatch(/^v1\b.*templates folder.*seed/s);
    await screenshot(page, 'console-template-history-desktop');
    expect(problems).toEqual([]);
  });

  it('runs nothing a template contains, in the console or in the preview', async () => {
    const { page, problems } = await browser.open(`${server.url}/console/login`);
    await signInAs(page, server.url, 'ed@example.com');
    await page.goto(`${server.url}/console/templates/birthday`);
    const title = await page.title();
    const caption = page.locator('.editor-preview-caption');
    await expect.poll(() => caption.innerText(), { timeout: 5000 }).toMatch(/Subject:/);
    await setHtml(
      page,
      `<p>Hostile</p><script>parent.document.title='pwned';window.pwned=true</script><img src="data:," onerror="parent.document.title='pwned'">`,
    );
    await expect.poll(() => frameText(page), { timeout: 5000 }).toContain('Hostile');
    expect(await page.title()).toBe(title);
    expect(await page.evaluate(() => (globalThis as { pwned?: boolean }).pwned)).toBeUndefined();
    // The only complaints are the browser refusing the template's scripts.
    expect(
      problems.filter((p) => !/Blocked script execution|sandboxed|Content Security Policy/i.test(p)),
    ).toEqual([]);
  });

  it('a viewer sees no Publish, and forged or tokenless posts are refused', async () => {
    const { page, problems } = await browser.open(`${server.url}/console/login`, 'phone');
    await signInAs(page, server.url, 'vi@example.com');
    await page.goto(`${server.url}/console/templates/birthday`);
    expect(await page.getByRole('button', { name: /Publish/ }).count()).toBe(0);
    expect(await page.getByLabel('HTML', { exact: true }).getAttribute('readonly')).not.toBeNull();
    const token = (await page.locator('input[name="_csrf"]').first().getAttribute('value')) ?? '';
    const statuses = await page.evaluate(async (token) => {
      const post = (path: string, headers: Record<string, string>) =>
        fetch(`/console/templates/birthday/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
          body: JSON.stringify({ locale: '', version: 1, subject: 's', html: '<p>x</p>', baseVersion: 1 }),
        }).then((r) => r.status);
      return [await post('publish', { 'x-csrf-token': token }), await post('draft', {})];
    }, token);
    expect(statuses).toEqual([403, 403]);
    expect(problems.filter((p) => !/HTTP 403|status of 403/.test(p))).toEqual([]);
  });

  it('every templates page loads at desktop and phone width without errors', async () => {
    for (const viewport of ['desktop', 'phone'] as const) {
      const { page, problems } = await browser.open(`${server.url}/console/login`, viewport);
      await signInAs(page, server.url, 'ed@example.com');
      for (const path of ['/console/templates', '/console/templates/birthday/history?from=1&to=1']) {
        await page.goto(`${server.url}${path}`);
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toMatch(/Templates|History/);
      }
      await page.goto(`${server.url}/console/templates/anniversary?locale=fr`);
      await expect
        .poll(() => page.locator('.editor-preview-caption').innerText(), { timeout: 5000 })
        .toMatch(/Subject:/);
      // A new variant starts as a copy of the default, shown as a real customer.
      await expect.poll(() => frameText(page), { timeout: 5000 }).toMatch(/Hi (Ada|Grace)/);
      if (viewport === 'phone') {
        // Chromium does not paint a cross-origin frame below the fold until it is scrolled to.
        await page.locator('iframe.editor-frame').scrollIntoViewIfNeeded();
        await screenshot(page, 'console-template-editor-phone');
      }
      expect(problems, viewport).toEqual([]);
    }
  });
});
