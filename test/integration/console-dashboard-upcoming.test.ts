/**
 * The dashboard and the upcoming page over HTTP, on both databases: the chart and its table,
 * per automation and health; the next days' sends with local and UTC times, bounded per day;
 * skipping one (editors only, audited) so that it is never sent.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { upsertCustomers } from '../../src/db/customers.js';
import { listStaffAudit } from '../../src/db/staff-audit.js';
import { runOnce } from '../../src/main.js';
import { CONSOLE_PAGES } from '../../src/console/pages.js';
import { databases } from '../support/databases.js';
import { customer } from '../support/records.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { seedUser, session, startTestConsole, type TestConsole } from '../support/console.js';

const NOW = Date.parse('2027-03-10T15:00:00Z');
const DAY = 86_400_000;
const NY = 'America/New_York';
const text = (body: string) =>
  body
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

describe.each(databases())('dashboard and upcoming pages on %s', (db) => {
  const url = db.fresh('test');
  let sink: SmtpSink;
  let c: TestConsole;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(async () => {
    c = await startTestConsole(url(), { pages: [...CONSOLE_PAGES], smtpUrl: sink.url });
    c.clock.now = NOW;
    await upsertCustomers(
      c.db.knex,
      [
        customer('c-101', { email: 'ann@example.com', birthday: '03-10', timezone: NY }),
        customer('c-102', { email: 'bob@example.com', birthday: '03-10', timezone: NY }),
        customer('c-103', { email: 'cy@example.org', birthday: '03-11', timezone: NY }),
      ],
      NOW - DAY,
    );
    await seedUser(c, 'ed@corner.example', 'editor');
    await seedUser(c, 'vi@corner.example', 'viewer');
  });
  afterEach(async () => {
    await c.close();
  });

  it('shows 30 days as an accessible chart and a table, per automation, queued and health', async () => {
    await runOnce(c.rt);
    const viewer = await session(c, 'vi@corner.example');
    const res = await viewer.get('/console/');
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="outcomes-title outcomes-desc"/);
    expect(body).toContain('<title id="outcomes-title">Messages per day, last 30 days</title>');
    expect(text(body)).toMatch(/2027-02-09 to 2027-03-10 \(UTC days\): sent 2, failed 0/);
    // The CSP forbids style attributes: the chart is classes and presentation attributes.
    expect(body).not.toMatch(/\sstyle=/);
    expect(body.match(/<rect\s+class="chart-sent"/g)).toHaveLength(1);
    expect(text(body)).toMatch(/2027-03-10 2 0 0 0/);
    expect(text(body)).toMatch(/birthday 2 0 0 \d/);
    expect(text(body)).toMatch(/Database ok/);
    expect(body).toContain(`<time datetime="${new Date(NOW).toISOString()}"`);
    expect(text(body)).toContain('Wed 10 Mar 2027, 10:00 EST');
    expect(body).toContain('aria-current="page">Dashboard</a>');
  });

  it('lists the next days by day and automation with local and UTC times; editors skip one, never sent', async () => {
    const viewer = await session(c, 'vi@corner.example');
    const seen = await viewer.get('/console/upcoming');
    expect(seen.statusCode).toBe(200);
    expect(text(seen.body)).toMatch(/Thursday 11 March 2027 1 to send birthday/);
    expect(text(seen.body)).toMatch(/c-103 cy@example.org Thu 11 Mar, 09:00 \(UTC-5\) 2027-03-11 14:00/);
    expect(seen.body).toContain('<time datetime="2027-03-11T14:00:00.000Z">');
    expect(seen.body).not.toContain('/console/upcoming/skip');
    expect(text(seen.body)).toContain('Viewers cannot skip sends');

    const fields = { automation: 'birthday', customer: 'c-103', utc: '2027-03-11T14:00:00.000Z' };
    const occurrence = /name="occurrence" value="([^"]+)"/.exec(
      (await (await session(c, 'ed@corner.example')).get('/console/upcoming')).body,
    )?.[1] as string;
    expect(occurrence).toBeTruthy();
    // A viewer's forged POST, with their own valid token, is refused and changes nothing.
    const forged = await viewer.post('/console/upcoming/skip', { ...fields, occurrence });
    expect(forged.statusCode).toBe(403);
    expect(text((await viewer.get('/console/upcoming')).body)).toContain('cy@example.org');

    const editor = await session(c, 'ed@corner.example');
    const missing = await editor.post('/console/upcoming/skip', { ...fields, occurrence: '' });
    expect(missing.statusCode).toBe(400);
    expect(text(missing.body)).toContain('occurrence: missing');
    const unknown = await editor.post('/console/upcoming/skip', {
      ...fields,
      occurrence,
      automation: 'nope',
    });
    expect(unknown.statusCode).toBe(404);
    expect(text(unknown.body)).toContain('no automation "nope"');

    const done = await editor.post('/console/upcoming/skip', { ...fields, occurrence });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/console/upcoming?done=skipped');
    const after = await editor.get(done.headers.location as string);
    expect(after.body).toMatch(/<p role="status"[^>]*>Skipped/);
    // The stored forecast keeps the send, shown as skipped by whom, and its day's counts move.
    expect(text(after.body)).toMatch(
      /Thursday 11 March 2027 0 to send 1 not sent .*c-103 cy@example.org Thu 11 Mar, 09:00 \(UTC-5\) 2027-03-11 14:00 Skipped by ed@corner.example/,
    );
    expect(after.body).not.toContain('Skip birthday for cy@example.org');
    const [entry] = await listStaffAudit(c.db.knex, 1);
    expect(entry).toMatchObject({
      actor: 'ed@corner.example',
      action: 'upcoming.skip',
      target: `birthday/c-103/${occurrence}`,
    });
    const again = await editor.post('/console/upcoming/skip', { ...fields, occurrence });
    // Skipping twice (two tabs) is harmless.
    expect(again.headers.location).toBe('/console/upcoming?done=skipped');

    c.clock.now = Date.parse('2027-03-11T15:00:00Z');
    await runOnce(c.rt);
    expect(sink.messages.some((m) => m.envelope.to.includes('cy@example.org'))).toBe(false);
    const row = await c.db.knex('deliveries').where({ customer_id: 'c-103' }).first();
    expect(row).toMatchObject({ status: 'skipped', skipped_by: 'ed@corner.example' });
  });

  it('bounds each day with "show more", and escapes what customers supplied', async () => {
    await upsertCustomers(
      c.db.knex,
      Array.from({ length: 30 }, (_, i) =>
        customer(`m-${String(i).padStart(2, '0')}<b>`, { birthday: '03-12', timezone: NY }),
      ),
      NOW - DAY,
    );
    const editor = await session(c, 'ed@corner.example');
    const first = await editor.get('/console/upcoming');
    expect(text(first.body)).toMatch(/Friday 12 March 2027 30 to send .* Showing 10 of 30/);
    expect(first.body).not.toContain('<b>');
    expect(first.body).toContain('m-00&#60;b&#62;');
    const more = /href="(\/console\/upcoming\?day=2027-03-12[^"]*)"/.exec(first.body)?.[1] as string;
    expect(more).toBeTruthy();
    // The next page of that day starts after the last send shown (a keyset, not an offset).
    const rest = await editor.get(more.replace(/&amp;/g, '&'));
    expect(text(rest.body)).toContain('Showing 11 to 30 of 30');
    expect(rest.body).toContain('m-29&#60;b&#62;');
    expect(rest.body).not.toContain('m-09&#60;b&#62;');
    expect(rest.body.match(/aria-label="Skip birthday for /g)).toHaveLength(20 + 1);
  });
});

describe('the session cookie', () => {
  let c: TestConsole;
  afterEach(async () => {
    await c.close();
  });
  const url = databases()[0]?.fresh('test') as () => string;

  it.each([
    ['https://rapport.example', true],
    ['http://127.0.0.1:8080', false],
  ])('with public_url %s is HttpOnly, SameSite=Strict, Secure: %s', async (publicUrl, secure) => {
    c = await startTestConsole(url(), { publicUrl });
    await seedUser(c, 'o@corner.example', 'owner');
    const res = await c.app.inject({
      method: 'POST',
      url: '/console/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(publicUrl).origin },
      payload: 'email=o%40corner.example&password=correct+horse+battery',
    });
    expect(res.statusCode).toBe(303);
    const cookie = [res.headers['set-cookie']]
      .flat()
      .find((h) => h?.startsWith('rapport_console=')) as string;
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    expect(/; Secure/i.test(cookie)).toBe(secure);
  });
});
