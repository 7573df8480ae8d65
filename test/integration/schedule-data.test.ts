/**
 * Changing data under the running daemon (virtual clock): a customer who moves zone after
 * today's mail was sent never gets it twice; a corrected birthday moves, expires or cancels its
 * pending row; a deleted customer's pending mail is skipped with `customer-deleted`.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { importStore } from '../../src/import/db-store.js';
import { listDeliveries, type DeliveryListRow } from '../../src/db/deliveries.js';
import { upsertEvents } from '../../src/db/events.js';
import { messageIdFor } from '../../src/deliver/compose.js';
import { runImport } from '../../src/import/run.js';
import { databases } from '../support/databases.js';
import { expectedInstant } from '../support/local-time.js';
import { purchase } from '../support/records.js';
import { useSmtpSink } from '../support/smtp-sink.js';
import { useClockRigs, type ClockRig } from '../support/virtual-clock.js';

const T = (iso: string) => Date.parse(iso);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const START = T('2027-03-19T00:00:00Z');
const END = T('2027-03-24T00:00:00Z');

const CONFIG = {
  sending: { window: { start: '08:00', end: '20:00' }, frequency_cap: undefined, max_lateness: '24h' },
  // Two days ahead: pending rows exist long before they are due, so changes can meet them.
  worker: { horizon: '2d' },
  automations: [
    { id: 'birthday', on: { birthday: true, at: '09:00' }, template: 'birthday' },
    {
      id: 'we-miss-you',
      on: { inactive: { event: 'purchase', for: '90d' }, at: '10:00' },
      template: 'we-miss-you',
    },
    { id: 'daily', on: { schedule: '0 9 * * *' }, where: { tags: ['daily'] }, template: 'holiday' },
  ],
};

const HEADER = 'id,email,birthday,timezone,tags';
const row = (id: string, birthday: string, timezone: string, tags = '') =>
  `${id},${id}@example.com,${birthday},${timezone},${tags}`;

/** The customers as first imported, and the changes made while the daemon runs. */
const FIRST = [
  // Tokyo, then Los Angeles after today's birthday, daily digest and we-miss-you went out.
  row('east', '03-20', 'Asia/Tokyo', 'daily'),
  // Los Angeles, then Tokyo after today's birthday went out (Tokyo's 09:00 had already passed).
  row('west', '03-21', 'America/Los_Angeles'),
  // A birthday corrected before it was sent: one day later, to a day long past, or removed.
  row('later', '03-21', 'Europe/Paris'),
  row('past', '03-21', 'Europe/Paris'),
  row('away', '1990-03-21', 'Europe/Paris'),
  // Deleted outright while its birthday is pending.
  row('del', '03-22', 'UTC'),
];

const CHANGES: Array<{ at: number; lines: string[] }> = [
  { at: T('2027-03-20T02:00:00Z'), lines: [row('east', '03-20', 'America/Los_Angeles', 'daily')] },
  {
    at: T('2027-03-20T12:00:00Z'),
    lines: [
      row('later', '03-22', 'Europe/Paris'),
      row('past', '03-19', 'Europe/Paris'),
      row('away', '(clear)', 'Europe/Paris'), // an empty cell would keep the stored birthday
    ],
  },
  { at: T('2027-03-21T17:00:00Z'), lines: [row('west', '03-21', 'Asia/Tokyo')] },
];
const DELETE_AT = T('2027-03-21T00:00:00Z');

/** east's last purchase: Dec 20 09:30 in Tokyo, Dec 19 16:30 in Los Angeles; +90 days is Mar 20 00:30Z. */
const LAST_PURCHASE = purchase('o-dec', 'east', T('2026-12-20T00:30:00Z'));

async function importCustomers(rig: ClockRig, lines: string[]): Promise<void> {
  const report = await runImport({
    kind: 'customers',
    input: Readable.from([`${HEADER}\n${lines.join('\n')}\n`]),
    format: 'csv',
    store: importStore(rig.rt.db),
    dryRun: false,
    now: rig.clock,
  });
  expect(report.rejectedCount).toBe(0);
}

const keyOf = (r: DeliveryListRow) => `${r.automation_id}/${r.customer_id}/${r.occurrence}`;

describe.each(databases())('changing data on %s', (db) => {
  const url = db.fresh('test');
  const sink = useSmtpSink();
  const openRig = useClockRigs();
  let rig: ClockRig | undefined;

  it('moves, cancels and skips pending mail, and never sends an occurrence twice', async () => {
    rig = await openRig({
      databaseUrl: url(),
      smtpUrl: sink().url,
      start: START - 30 * DAY,
      config: CONFIG,
    });
    const { knex } = rig.rt.db;
    await importCustomers(rig, FIRST);
    await upsertEvents(knex, [LAST_PURCHASE], LAST_PURCHASE.occurred_at);

    const rowsNow = async () =>
      new Map((await listDeliveries(knex, { limit: 1000 })).map((r) => [keyOf(r), r]));
    let changes = [...CHANGES];
    let deleted = false;
    const seen: Record<string, Map<string, DeliveryListRow>> = {};
    for (let t = START; t <= END; t += HOUR) {
      rig.clock = t;
      for (const change of changes.filter((c) => c.at <= t)) await importCustomers(rig, change.lines);
      changes = changes.filter((c) => c.at > t);
      if (!deleted && t >= DELETE_AT) {
        await knex('customers').where('id', 'del').delete();
        deleted = true;
      }
      await rig.at(t);
      if (t === T('2027-03-20T11:00:00Z') || t === T('2027-03-20T12:00:00Z'))
        seen[new Date(t).toISOString()] = await rowsNow();
    }

    const rows = await rowsNow();
    const status = (key: string) => {
      const r = rows.get(key);
      return (
        r && {
          status: r.status,
          reason: r.reason,
          due_at: new Date(r.due_at).toISOString(),
          sent_at: r.sent_at && new Date(r.sent_at).toISOString(),
        }
      );
    };
    const iso = (zone: string, date: string, hour: number) => {
      const [y, m, d] = date.split('-').map(Number) as [number, number, number];
      return new Date(expectedInstant(zone, y, m, d, hour, 0)).toISOString();
    };

    // east: Tokyo's mail went out; moving to Los Angeles sends none of it again.
    expect(status('birthday/east/2027')).toMatchObject({
      status: 'sent',
      sent_at: iso('Asia/Tokyo', '2027-03-20', 9),
    });
    expect(status('daily/east/2027-03-20T09:00')).toMatchObject({
      status: 'sent',
      sent_at: iso('Asia/Tokyo', '2027-03-20', 9),
    });
    expect([...rows.keys()].filter((k) => k.startsWith('we-miss-you/east/'))).toHaveLength(1);
    expect([...rows.values()].find((r) => keyOf(r).startsWith('we-miss-you/east/'))).toMatchObject({
      status: 'sent',
      sent_at: T('2027-03-20T01:00:00Z'),
    });
    // The next day's digest is Los Angeles's 09:00.
    expect(status('daily/east/2027-03-21T09:00')).toMatchObject({
      status: 'sent',
      sent_at: iso('America/Los_Angeles', '2027-03-21', 9),
    });

    // west: Los Angeles's birthday went out; Tokyo's 09:00 that day had passed: nothing more.
    expect(status('birthday/west/2027')).toMatchObject({
      status: 'sent',
      sent_at: iso('America/Los_Angeles', '2027-03-21', 9),
    });

    // later: the pending row moved with the birthday (still pending just after the change).
    const before = seen['2027-03-20T11:00:00.000Z']?.get('birthday/later/2027');
    expect(before && new Date(before.due_at).toISOString()).toBe(iso('Europe/Paris', '2027-03-21', 9));
    const after = seen['2027-03-20T12:00:00.000Z']?.get('birthday/later/2027');
    expect(after && { status: after.status, due: new Date(after.due_at).toISOString() }).toEqual({
      status: 'pending',
      due: iso('Europe/Paris', '2027-03-22', 9),
    });
    expect(status('birthday/later/2027')).toMatchObject({
      status: 'sent',
      sent_at: iso('Europe/Paris', '2027-03-22', 9),
    });
    // past: corrected to a day that is more than max_lateness ago: never sent, on no day.
    expect(status('birthday/past/2027')).toMatchObject({
      status: 'expired',
      reason: 'expired',
      due_at: iso('Europe/Paris', '2027-03-19', 9),
      sent_at: null,
    });
    // away: no birthday any more: the pending row is cancelled.
    expect(seen['2027-03-20T11:00:00.000Z']?.get('birthday/away/2027')?.status).toBe('pending');
    expect(status('birthday/away/2027')).toBeUndefined();

    // del: skipped, with the reason.
    expect(status('birthday/del/2027')).toMatchObject({
      status: 'skipped',
      reason: 'customer-deleted',
      sent_at: null,
    });

    // The sink agrees with the books: each sent row once, nothing else.
    const sent = [...rows.values()].filter((r) => r.status === 'sent');
    const ids = sent.map((r) =>
      messageIdFor(
        { automationId: r.automation_id, customerId: r.customer_id, occurrence: r.occurrence },
        'hello@corner.example',
      ),
    );
    expect(
      sink()
        .messages.map((m) => m.messageId)
        .sort(),
    ).toEqual(ids.sort());
  });
});
