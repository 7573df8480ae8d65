/**
 * What the console reads and does, on both databases: search as you type, a customer's detail
 * with every delivery and why, the message as sent, delivery pages by keyset, suppressions,
 * edits recorded with their author, the dashboard, and a planned send skipped by a person.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consentLog } from '../../src/db/consent.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { insertPlanned } from '../../src/db/deliveries.js';
import { suppressionHistory } from '../../src/db/suppressions.js';
import { searchCustomers } from '../../src/console/data/search.js';
import { customerDetail } from '../../src/console/data/customer.js';
import { viewAsSent } from '../../src/console/data/message.js';
import { listDeliveries } from '../../src/console/data/deliveries.js';
import { addTag, suppress, unsubscribe, updateCustomer } from '../../src/console/data/actions.js';
import { liftSuppression, listSuppressions } from '../../src/console/data/suppressions.js';
import { dashboard } from '../../src/console/data/dashboard.js';
import { skipUpcoming, upcomingView } from '../../src/console/data/upcoming.js';
import { runOnce } from '../../src/main.js';
import type { DbRuntime } from '../../src/runtime.js';
import { databases } from '../support/databases.js';
import { customer, purchase } from '../support/records.js';
import { openTestRuntime } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

// 10:00 in New York: birthdays at 09:00 there are due.
const NOW = Date.parse('2027-03-10T15:00:00Z');
const DAY = 86_400_000;
const NY = 'America/New_York';

describe.each(databases())('console data on %s', (db) => {
  const url = db.fresh('test');
  let sink: SmtpSink;
  let rt: DbRuntime;
  let now = NOW;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(async () => {
    now = NOW;
    rt = await openTestRuntime({ databaseUrl: url(), smtpUrl: sink.url, now: () => now });
    await upsertCustomers(
      rt.db.knex,
      [
        customer('c-101', {
          email: 'Ann.Smith@Example.com',
          first_name: 'Ann',
          last_name: 'Smith',
          birthday: '03-10',
          timezone: NY,
        }),
        customer('c-102', {
          email: 'bob@shop.test',
          first_name: 'Bob',
          last_name: 'Jones',
          tags: ['regulars'],
          birthday: '03-10',
          timezone: NY,
        }),
        customer('c-103', {
          email: 'cy@example.org',
          first_name: 'Cy',
          last_name: 'Annable',
          birthday: '03-11',
          timezone: NY,
        }),
        customer('x_1', { email: 'pct@example.net', first_name: null, last_name: null }),
      ],
      NOW - DAY,
    );
  });
  afterEach(async () => {
    await rt.close();
  });

  const ids = async (q: string) => (await searchCustomers(rt.db, q, { limit: 10 })).map((r) => r.id).sort();

  it('finds customers by id, part of an address, name, surname and tag; wildcards are literal', async () => {
    expect(await ids('c-10')).toEqual(['c-101', 'c-102', 'c-103']);
    expect(await ids('ann.smith@')).toEqual(['c-101']);
    expect(await ids('SMITH@exa')).toEqual(['c-101']);
    expect(await ids('shop.test')).toEqual(['c-102']);
    expect(await ids('Ann')).toEqual(['c-101', 'c-103']);
    expect(await ids('ann smi')).toEqual(['c-101']);
    expect(await ids('jones')).toEqual(['c-102']);
    expect(await ids('tag:regulars')).toEqual(['c-102']);
    expect(await ids('regulars')).toEqual(['c-102']);
    expect(await ids('tag:regular')).toEqual([]);
    expect(await ids('x_')).toEqual(['x_1']);
    expect(await ids('%')).toEqual([]);
    expect(await ids('_1')).toEqual([]);
    const [hit] = await searchCustomers(rt.db, 'bob@');
    expect(hit).toMatchObject({ id: 'c-102', name: 'Bob Jones', tags: ['regulars'], matched: 'email' });
  });

  it('shows a customer with events, consent and every delivery and why, and the message as sent', async () => {
    await upsertEvents(
      rt.db.knex,
      [purchase('e1', 'c-101', NOW - 2 * DAY), purchase('e2', 'c-101', NOW - DAY)],
      NOW,
    );
    await unsubscribe(rt.db, 'c-102', 'ed@shop.test', NOW - 1000);
    await runOnce(rt);
    const ann = await customerDetail(rt.db, 'c-101');
    expect(ann.events.map((e) => e.id)).toEqual(['e2', 'e1']);
    expect(ann.event_count).toBe(2);
    const sent = ann.deliveries.find((d) => d.automation_id === 'birthday');
    expect(sent).toMatchObject({ status: 'sent', status_words: 'sent', why: null });
    expect(sent?.view_id).toBe(sent?.id);

    const bob = await customerDetail(rt.db, 'c-102');
    expect(bob.consent).toMatchObject([
      { action: 'unsubscribe', scope: '*', source: 'console', author: 'ed@shop.test' },
    ]);
    expect(bob.opted_out).toEqual(['*']);
    expect(bob.deliveries[0]).toMatchObject({
      automation_id: 'birthday',
      status: 'suppressed',
      status_words: 'not sent',
      view_id: null,
    });
    expect(bob.deliveries[0]?.why).toBe('the customer unsubscribed');

    const message = await viewAsSent(rt.db, sent?.view_id as number);
    // Exactly the bytes the relay accepted.
    expect(sink.messages.some((m) => m.raw.equals(message.raw))).toBe(true);
    expect(message.intact).toBe(true);
    expect(message.subject).not.toBe('');
    expect(message.html).toContain('Ann');
    expect(message.text).toContain('Ann');
    expect(message.headers.find((h) => h.name === 'subject')?.value).toBe(message.subject);
    await expect(viewAsSent(rt.db, 999_999)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('pages deliveries newest first by keyset: a page never shifts when rows are added', async () => {
    const planned = Array.from({ length: 7 }, (_, i) => ({
      automationId: i % 2 === 0 ? 'birthday' : 'anniversary',
      customerId: 'c-101',
      occurrence: `o${i}`,
      eventId: null,
      transactional: false,
      status: 'pending' as const,
      reason: null,
      triggerAt: NOW + i * DAY,
      dueAt: NOW + i * DAY,
      localTime: '',
    }));
    await insertPlanned(rt.db.knex, planned, NOW);
    const first = await listDeliveries(rt.db, { limit: 3 });
    expect(first.rows.map((r) => r.occurrence)).toEqual(['o6', 'o5', 'o4']);
    await insertPlanned(rt.db.knex, [{ ...planned[0], occurrence: 'late' } as (typeof planned)[number]], NOW);
    const seen = [...first.rows];
    for (let cursor = first.next; cursor !== null;) {
      const page = await listDeliveries(rt.db, { limit: 3, cursor });
      seen.push(...page.rows);
      cursor = page.next;
    }
    expect(seen.map((r) => r.occurrence)).toEqual(['o6', 'o5', 'o4', 'o3', 'o2', 'o1', 'o0']);
    const birthdays = await listDeliveries(rt.db, {
      automation: 'birthday',
      from: NOW + DAY,
      to: NOW + 5 * DAY,
    });
    expect(birthdays.rows.map((r) => r.occurrence)).toEqual(['o4', 'o2']);
    expect((await listDeliveries(rt.db, { status: 'sent' })).rows).toEqual([]);
    await expect(listDeliveries(rt.db, { status: 'gone' })).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(listDeliveries(rt.db, { cursor: '1 OR 1=1' })).rejects.toMatchObject({ code: 'E_USAGE' });
  });

  it('edits, tags and suppresses with the author recorded; lifts a suppression with a reason', async () => {
    const edited = await updateCustomer(rt.db, 'c-103', { first_name: 'Cyrus', vip: 'yes' }, 'ed', NOW);
    expect(edited).toMatchObject({ first_name: 'Cyrus', last_name: 'Annable', attributes: { vip: 'yes' } });
    expect((await customerDetail(rt.db, 'c-103')).updated_by).toBe('ed');
    expect(await ids('cyrus ann')).toEqual(['c-103']);
    await expect(updateCustomer(rt.db, 'c-103', { timezone: 'Mars/Base' }, 'ed', NOW)).rejects.toMatchObject({
      code: 'E_INVALID',
      message: expect.stringContaining('timezone'),
    });
    await expect(updateCustomer(rt.db, 'c-103', { subscribed: true }, 'ed', NOW)).rejects.toMatchObject({
      code: 'E_USAGE',
    });
    expect((await addTag(rt.db, 'c-103', ' vip ', 'ed', NOW)).tags).toEqual(['vip']);
    expect(await ids('tag:vip')).toEqual(['c-103']);

    expect(await suppress(rt.db, 'c-101', 'asked us by phone', 'ed', NOW)).toBe(true);
    await expect(suppress(rt.db, 'c-101', ' ', 'ed', NOW)).rejects.toMatchObject({ code: 'E_USAGE' });
    const list = await listSuppressions(rt.db, { q: 'SMITH' });
    expect(list.rows).toMatchObject([
      { email: 'ann.smith@example.com', reason: 'asked us by phone', source: 'operator' },
    ]);
    expect((await listSuppressions(rt.db, { q: 'nobody' })).rows).toEqual([]);
    await expect(liftSuppression(rt.db, 'ann.smith@example.com', '', 'ed', NOW)).rejects.toMatchObject({
      code: 'E_USAGE',
    });
    expect(await liftSuppression(rt.db, 'Ann.Smith@example.com', 'typo', 'owner', NOW + 1)).toBe(true);
    expect(await liftSuppression(rt.db, 'ann.smith@example.com', 'again', 'owner', NOW + 2)).toBe(false);
    const history = await suppressionHistory(rt.db.knex, 'ann.smith@example.com');
    expect(history.map((h) => h.action)).toEqual(['suppress', 'lift']);
    const log = await consentLog(rt.db.knex, 'c-101');
    expect(log).toMatchObject([
      { action: 'lift-suppression', reason: 'typo', author: 'owner', source: 'console' },
    ]);
  });

  it('counts the last 30 days and the next 24 hours on the dashboard', async () => {
    await runOnce(rt);
    const board = await dashboard(rt.db, NOW);
    expect(board.days).toHaveLength(30);
    expect(board.days[29]).toMatchObject({ day: '2027-03-10', sent: 2, failed: 0 });
    expect(board.automations).toEqual([{ automation: 'birthday', sent: 2, failed: 0, suppressed: 0 }]);
    expect(board.health).toMatchObject({ database: 'ok', last_tick: NOW, due_now: 0 });
    // Tomorrow's birthday, planned ahead, is queued for the next 24 hours (or not yet planned).
    expect(board.queued_next_24h.total).toBeLessThanOrEqual(1);
  });

  it('skips a send that is not planned yet, and the planner never sends it', async () => {
    // A database this small is forecast inside the first request.
    const sendOfCy = async () =>
      (await upcomingView(rt, { day: null, after: null, perDay: 25, pageSize: 100 })).days
        .flatMap((d) => d.sends)
        .find((s) => s.customer_id === 'c-103' && s.automation === 'birthday');
    const cy = await sendOfCy();
    expect(cy).toMatchObject({ outcome: 'send', utc: '2027-03-11T14:00:00.000Z' });
    expect(cy?.local).toContain('09:00');
    const key = {
      automationId: 'birthday',
      customerId: 'c-103',
      occurrence: cy?.occurrence as string,
      utc: cy?.utc as string,
    };
    expect(await skipUpcoming(rt, key, 'ed')).toBe('skipped');
    expect(await sendOfCy()).toMatchObject({ outcome: 'skip', status: 'skipped', skipped_by: 'ed' });

    now = Date.parse('2027-03-11T15:00:00Z');
    await runOnce(rt);
    expect(sink.messages.some((m) => m.envelope.to.includes('cy@example.org'))).toBe(false);
    const [row] = (await customerDetail(rt.db, 'c-103')).deliveries;
    expect(row).toMatchObject({ status: 'skipped', skipped_by: 'ed', why: 'skipped by ed from the console' });
    await expect(skipUpcoming(rt, { ...key, automationId: 'nope' }, 'ed')).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
    });
  });
});
