/**
 * The whole pipeline against real things: a fresh database (SQLite file and Postgres), the
 * shipped config and templates, and a real SMTP server on 127.0.0.1 whose mail is parsed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import { databases } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { openTestRuntime } from '../support/runtime.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { customer } from '../support/records.js';
import { upsertEvents } from '../../src/db/events.js';
import { setConsent, ALL_MARKETING } from '../../src/db/consent.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { runOnce } from '../../src/main.js';
import type { DbRuntime } from '../../src/runtime.js';

// Wednesday 2027-03-10 15:00 UTC: 10:00 in New York (EST, before the March 14 change).
const NOW = Date.parse('2027-03-10T15:00:00Z');

/** A header's raw value, unfolded. */
function header(m: ParsedMail, key: string): string | undefined {
  const line = m.headerLines.find((h) => h.key === key)?.line;
  return line
    ?.slice(line.indexOf(':') + 1)
    .replace(/\r?\n\s+/g, ' ')
    .trim();
}

const CUSTOMERS = [
  // Birthday today at 09:00 New York = 14:00Z: due an hour ago.
  customer('ann', { birthday: '1990-03-10', timezone: 'America/New_York', first_name: '<b>Ann</b> & "Co"' }),
  // Birthday tomorrow in Tokyo (09:00 JST = 00:00Z on the 11th): not due yet.
  customer('ben', { birthday: '03-11', timezone: 'Asia/Tokyo' }),
  // A name built to inject a header, stored directly (the import would refuse it).
  customer('eve', {
    birthday: '03-10',
    timezone: 'America/New_York',
    first_name: 'Eve\r\nBcc: thief@evil.example',
  }),
  // Unsubscribed from marketing: the birthday is suppressed, the thank-you still goes.
  customer('una', { birthday: '03-10', timezone: 'America/New_York' }),
  // The relay refuses this address permanently.
  customer('gone', { birthday: '03-10', timezone: 'America/New_York' }),
];

describe.each(databases())('pipeline on %s', (db) => {
  const url = db.fresh('test');
  let sink: SmtpSink;
  let rt: DbRuntime;

  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  afterEach(async () => {
    await rt?.close();
    sink.reset();
    sink.clearFaults();
  });

  async function seed(): Promise<void> {
    rt = await openTestRuntime({ databaseUrl: url(), smtpUrl: sink.url, now: () => NOW });
    await upsertCustomers(rt.db.knex, CUSTOMERS, NOW - 86_400_000);
    await upsertEvents(
      rt.db.knex,
      [
        {
          id: 'order-1',
          customer_id: 'una',
          type: 'purchase',
          occurred_at: NOW - 90 * 60_000,
          data: { total: '12.50' },
        },
        { id: 'order-2', customer_id: 'ben', type: 'purchase', occurred_at: NOW - 50 * 60_000, data: {} },
      ],
      NOW - 60_000,
    );
    await setConsent(
      rt.db.knex,
      'una@example.com',
      [{ scope: ALL_MARKETING, optedOut: true }],
      'test',
      NOW - 3_600_000,
    );
    sink.rejectRecipient('gone@example.com', 550, '5.1.1 No such user here');
  }

  it('sends every due message once, with the documented headers, and nothing on a second pass', async () => {
    await seed();
    const first = await runOnce(rt);
    expect(first.batches.reduce((n, b) => n + b.sent, 0)).toBe(3);

    const mails = await sink.parsed();
    const to = (m: ParsedMail) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address;
    expect(mails.map(to).sort()).toEqual(['ann@example.com', 'eve@example.com', 'una@example.com']);
    expect(sink.messages.flatMap((m) => m.envelope.to).sort()).toEqual([
      'ann@example.com',
      'eve@example.com',
      'una@example.com',
    ]);

    for (const m of mails) {
      expect(m.from?.value[0]).toMatchObject({ name: 'Corner Coffee', address: 'hello@corner.example' });
      expect(m.subject).toBeTruthy();
      expect(m.date).toBeInstanceOf(Date);
      expect(m.messageId).toMatch(/^<[0-9a-f]{32}@corner\.example>$/);
      expect(m.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
      expect(m.text?.length).toBeGreaterThan(20);
      expect(m.html).toContain('</html>');
      expect(m.headers.has('bcc')).toBe(false);
    }

    const ann = mails.find((m) => to(m) === 'ann@example.com') as ParsedMail;
    expect(header(ann, 'list-unsubscribe')).toMatch(
      /^<http:\/\/127\.0\.0\.1:8080\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>$/,
    );
    expect(header(ann, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(ann.html).toContain('&lt;b&gt;Ann&lt;/b&gt; &amp; &quot;Co&quot;');
    expect(ann.html).not.toContain('<b>Ann</b>');
    expect(ann.html).toContain('12 Market St, Springfield');

    const thanks = mails.find((m) => to(m) === 'una@example.com') as ParsedMail;
    expect(header(thanks, 'list-unsubscribe')).toBeUndefined();

    const eve = mails.find((m) => to(m) === 'eve@example.com') as ParsedMail;
    const eveRaw =
      sink.messages.find((m) => m.envelope.to.includes('eve@example.com'))?.raw.toString('utf8') ?? '';
    const eveHeaders = eveRaw.slice(0, eveRaw.indexOf('\r\n\r\n'));
    expect(eveHeaders).toContain('To: ');
    expect(eveHeaders).not.toMatch(/^Bcc:/im);
    expect(eve.subject).not.toMatch(/[\r\n]/);

    const books = await listDeliveries(rt.db.knex, {});
    const status = Object.fromEntries(books.map((d) => [`${d.automation_id}/${d.customer_id}`, d.status]));
    expect(status).toMatchObject({
      'birthday/ann': 'sent',
      'birthday/eve': 'sent',
      'birthday/una': 'suppressed',
      'birthday/gone': 'failed',
      'thank-you/una': 'sent',
    });
    expect(status['birthday/ben']).toBeUndefined();
    // The thank-you for ben's order is due at 15:10Z: inside the planning horizon, not yet due.
    expect(status['thank-you/ben']).toBe('pending');
    expect(books.find((d) => d.customer_id === 'gone')?.error).toMatch(/550/);

    // A second pass (a restart, a doubled tick) sends nothing again.
    const before = sink.messages.length;
    const second = await runOnce(rt);
    expect(second.tick.inserted).toBe(0);
    expect(second.batches.reduce((n, b) => n + b.sent, 0)).toBe(0);
    expect(sink.messages.length).toBe(before);
    expect([...sink.countByMessageId().values()].every((n) => n === 1)).toBe(true);
  });
});
