/**
 * After the relay's 250: messages carry a signed VERP envelope sender and X-Rapport-Message; mail
 * returned in the shapes real servers write is matched to its delivery and acted on, on both
 * databases. The messages are really sent (SMTP sink on 127.0.0.1) and the bounces built from
 * what the sink received.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../support/smtp-sink.js';
import { openTestRuntime } from '../support/runtime.js';
import { customer } from '../support/records.js';
import { bounceMail, withoutHeader, type BounceFixture } from '../support/bounce-fixtures.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { consentLog } from '../../src/db/consent.js';
import { getSuppression } from '../../src/db/suppressions.js';
import { runOnce } from '../../src/main.js';
import { bounceDeps, handleReturnedMail } from '../../src/bounces/service.js';
import { parseVerp } from '../../src/bounces/verp.js';
import type { DbRuntime } from '../../src/runtime.js';

// 10:00 in New York on 2027-03-10: the 09:00 birthdays are due.
const NOW = Date.parse('2027-03-10T15:00:00Z');
const DOMAIN = 'bounces.corner.example';
const SECRET = 'test-secret-0123456789abcdef0123456789';
const PEOPLE = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus'];

describe.each(databases())('bounces on %s', (db) => {
  const url = db.fresh('test');
  let sink: SmtpSink;
  let rt: DbRuntime;
  let clock = NOW;

  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  afterEach(async () => {
    await rt?.close();
    sink.reset();
  });

  async function sendBirthdays(bounces: Record<string, unknown> = { domain: DOMAIN }): Promise<void> {
    clock = NOW;
    rt = await openTestRuntime({
      databaseUrl: url(),
      smtpUrl: sink.url,
      now: () => clock,
      config: { bounces },
    });
    const people = PEOPLE.map((id) => customer(id, { birthday: '03-10', timezone: 'America/New_York' }));
    await upsertCustomers(rt.db.knex, people, NOW - 86_400_000);
    await runOnce(rt);
    expect(sink.messages).toHaveLength(PEOPLE.length);
  }

  function sentTo(id: string): SinkMessage {
    return sink.messages.find((m) => m.envelope.to.includes(`${id}@example.com`)) as SinkMessage;
  }

  function headerOf(m: SinkMessage, name: string): string | undefined {
    const head = m.raw.toString('utf8').split('\r\n\r\n')[0] ?? '';
    return new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1];
  }

  function bounceFor(fixture: BounceFixture, id: string, edit?: (t: string) => string): string {
    const m = sentTo(id);
    const original = {
      verp: m.envelope.from,
      rcpt: `${id}@example.com`,
      id: headerOf(m, 'X-Rapport-Message') as string,
      messageId: m.messageId as string,
    };
    return bounceMail(fixture, original, edit);
  }

  const receive = (raw: string) => handleReturnedMail(bounceDeps(rt), raw);

  async function statusOf(id: string): Promise<string | undefined> {
    return (await listDeliveries(rt.db.knex, { customerId: id }))[0]?.status;
  }

  it('every message names its delivery: a signed VERP envelope sender and X-Rapport-Message; From is unchanged', async () => {
    await sendBirthdays();
    const books = await listDeliveries(rt.db.knex, {});
    for (const m of sink.messages) {
      const delivery = books.find((d) => m.envelope.to.includes(`${d.customer_id}@example.com`));
      expect(headerOf(m, 'X-Rapport-Message')).toBe(String(delivery?.id));
      expect(m.envelope.from).toMatch(
        new RegExp(`^bounces\\+${delivery?.id}\\.[0-9a-f]{16}@bounces\\.corner\\.example$`),
      );
      expect(parseVerp(SECRET, m.envelope.from, DOMAIN)).toBe(delivery?.id);
      expect(headerOf(m, 'From')).toBe('Corner Coffee <hello@corner.example>');
    }
  });

  it('without bounces.domain the envelope sender is the From address', async () => {
    await sendBirthdays({});
    expect(sink.messages.every((m) => m.envelope.from === 'hello@corner.example')).toBe(true);
    expect(sink.messages.every((m) => /^\d+$/.test(headerOf(m, 'X-Rapport-Message') ?? ''))).toBe(true);
  });

  it('hard bounces from Postfix, Sendmail, Exchange, Gmail and qmail bounce the delivery and suppress the address once', async () => {
    await sendBirthdays();
    const cases: Array<[BounceFixture, string]> = [
      ['postfix-hard', 'ann'],
      ['sendmail-hard', 'ben'],
      ['exchange-hard', 'cat'],
      ['gmail-hard', 'dan'],
      ['qmail-plain', 'eve'],
    ];
    for (const [fixture, id] of cases) {
      const outcome = await receive(bounceFor(fixture, id));
      expect(outcome, fixture).toMatchObject({
        result: 'recorded',
        kind: 'hard',
        suppressed: true,
        match: { by: 'verp' },
      });
      expect(await statusOf(id)).toBe('bounced');
      const delivery = (await listDeliveries(rt.db.knex, { customerId: id }))[0];
      expect(await getSuppression(rt.db.knex, `${id}@example.com`)).toMatchObject({
        source: 'dsn',
        delivery_id: delivery?.id,
        created_at: NOW,
      });
      expect(delivery?.error).toMatch(/^5\.1\.1/);
    }
    // The same report read again changes nothing.
    expect(await receive(bounceFor('postfix-hard', 'ann'))).toMatchObject({ result: 'duplicate' });
    expect(await statusOf('fay')).toBe('sent');
  });

  it('a soft bounce suppresses only at the third in 30 days; a delay is logged and never counted', async () => {
    await sendBirthdays();
    for (let i = 1; i <= 4; i++) {
      const delayed = await receive(
        bounceFor('postfix-delayed', 'ann', (t) => t.replace('19:05:11', `19:0${i}:11`)),
      );
      expect(delayed).toMatchObject({ result: 'recorded', kind: 'delayed', suppressed: false });
    }
    expect(await statusOf('ann')).toBe('sent');
    expect(await getSuppression(rt.db.knex, 'ann@example.com')).toBeNull();

    const soft = (day: number) =>
      bounceFor('exim-soft', 'ben', (t) =>
        t.replaceAll('Fri, 12 Mar 2027 15:02:41', `Fri, ${day} Mar 2027 15:02:41`),
      );
    expect(await receive(soft(12))).toMatchObject({ kind: 'soft', suppressed: false });
    expect(await statusOf('ben')).toBe('bounced');
    clock = NOW + 10 * 86_400_000;
    expect(await receive(soft(20))).toMatchObject({ kind: 'soft', suppressed: false });
    clock = NOW + 20 * 86_400_000;
    expect(await receive(soft(28))).toMatchObject({ kind: 'soft', suppressed: true });
    expect(await getSuppression(rt.db.knex, 'ben@example.com')).toMatchObject({
      source: 'dsn',
      reason: expect.stringMatching(/^3 soft bounces/),
    });

    // Spread over more than 30 days, three soft bounces are not enough.
    const spread = (day: number) =>
      bounceFor('exim-soft', 'cat', (t) => t.replaceAll('Fri, 12 Mar 2027', `Fri, ${day} Mar 2027`));
    for (const [offsetDays, day] of [
      [0, 1],
      [25, 2],
      [50, 3],
    ] as const) {
      clock = NOW + offsetDays * 86_400_000;
      expect(await receive(spread(day))).toMatchObject({ kind: 'soft', suppressed: false });
    }
    expect(await getSuppression(rt.db.knex, 'cat@example.com')).toBeNull();
  });

  it('an abuse report marks the delivery complained, unsubscribes the address and suppresses it', async () => {
    await sendBirthdays();
    const outcome = await receive(bounceFor('arf-abuse', 'ann'));
    expect(outcome).toMatchObject({ result: 'recorded', kind: 'complaint', match: { by: 'header' } });
    expect(await statusOf('ann')).toBe('complained');
    const log = await consentLog(rt.db.knex, 'ann');
    expect(log).toMatchObject([{ action: 'unsubscribe', scope: '*', source: 'complaint' }]);
    expect(await getSuppression(rt.db.knex, 'ann@example.com')).toMatchObject({ source: 'complaint' });
  });

  it('an auto-reply is not a bounce', async () => {
    await sendBirthdays();
    expect(await receive(bounceFor('auto-reply', 'ann'))).toMatchObject({
      result: 'recorded',
      kind: 'auto-reply',
      suppressed: false,
    });
    expect(await statusOf('ann')).toBe('sent');
    expect(await getSuppression(rt.db.knex, 'ann@example.com')).toBeNull();
  });

  it('matches by the header, then the Message-ID, then Final-Recipient when stronger clues are missing or forged', async () => {
    await sendBirthdays();
    const forgeVerp = (t: string) => t.replace(/(bounces\+\d+\.)[0-9a-f]{16}/g, '$10000000000000000');
    const noHeader = (t: string) => withoutHeader('X-Rapport-Message')(forgeVerp(t));
    const noMessageId = (t: string) =>
      withoutHeader('(Message-ID|X-Original-Message-ID|In-Reply-To|References)')(noHeader(t));
    expect(await receive(bounceFor('postfix-hard', 'ann', forgeVerp))).toMatchObject({
      match: { by: 'header' },
    });
    expect(await receive(bounceFor('exchange-hard', 'ben', noHeader))).toMatchObject({
      match: { by: 'message-id' },
    });
    expect(await receive(bounceFor('gmail-hard', 'cat', noMessageId))).toMatchObject({
      match: { by: 'recipient' },
    });
    for (const id of ['ann', 'ben', 'cat']) expect(await statusOf(id)).toBe('bounced');
    // A header naming a delivery that is not one we sent matches nothing by it.
    const stranger = (t: string) => noMessageId(t).replaceAll('dan@example.com', 'nobody@example.org');
    expect(
      await receive(
        bounceFor('gmail-hard', 'dan', (t) =>
          stranger(t).replace(/X-Rapport-Message: \d+/g, 'X-Rapport-Message: 999999'),
        ),
      ),
    ).toMatchObject({
      result: 'unmatched',
    });
    expect(await statusOf('dan')).toBe('sent');
  });
});
