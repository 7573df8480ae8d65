/**
 * The dashboard's outcome counts (delivery_outcomes) against the rows themselves, on both
 * databases: after sends, a retry sent the next day, failures, suppressions, skips, a bounce, an
 * erasure, a rolled-back write, writes from several connections at once, and the backfill of
 * rows stored before the counts existed.
 */
import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertCustomers } from '../../src/db/customers.js';
import { claimDue, insertPlanned, recordOutcomes } from '../../src/db/deliveries.js';
import {
  createDeliveryOutcomes,
  dropDeliveryOutcomes,
  OUTCOME_STATUSES,
  outcomeCounts,
} from '../../src/db/delivery-outcomes.js';
import { dashboard } from '../../src/console/data/dashboard.js';
import { erasePerson } from '../../src/console/data/person.js';
import { skipUpcoming } from '../../src/console/data/upcoming.js';
import type { PlannedDelivery } from '../../src/plan/types.js';
import type { DbRuntime } from '../../src/runtime.js';
import { databases } from '../support/databases.js';
import { customer } from '../support/records.js';
import { openTestRuntime } from '../support/runtime.js';

const DAY = 86_400_000;
const T0 = Date.parse('2027-03-10T12:00:00Z');
const T1 = T0 + DAY;
const LEASE = 60_000;

function planned(n: number, automationId = 'birthday', status: PlannedDelivery['status'] = 'pending') {
  return {
    automationId,
    customerId: `c-${n}`,
    occurrence: `o-${n}`,
    triggerAt: T0,
    dueAt: T0,
    localTime: '2027-03-10T12:00:00Z',
    eventId: null,
    transactional: false,
    status,
    reason: status === 'pending' ? null : 'unsubscribed',
  } as PlannedDelivery;
}

type Key = string;
/** "day automation status" → n, from the rows. */
async function fromRows(knex: Knex): Promise<Record<Key, number>> {
  const rows = (await knex('deliveries')
    .whereIn('status', OUTCOME_STATUSES)
    .select(knex.raw('updated_at / 86400000 as day'), 'automation_id', 'status')
    .count({ n: '*' })
    .groupByRaw('updated_at / 86400000, automation_id, status')) as Array<Record<string, unknown>>;
  return Object.fromEntries(
    rows.map((r) => [`${Number(r.day)} ${r.automation_id} ${r.status}`, Number(r.n)]),
  );
}

async function fromCounts(knex: Knex): Promise<Record<Key, number>> {
  const rows = await outcomeCounts(knex, OUTCOME_STATUSES, 0);
  return Object.fromEntries(rows.map((r) => [`${r.day} ${r.automation_id} ${r.status}`, r.n]));
}

const day = (t: number) => Math.floor(t / DAY);

describe.each(databases())('delivery outcome counts on %s', (db) => {
  const url = db.fresh('test');
  let rt: DbRuntime;
  beforeEach(async () => {
    rt = await openTestRuntime({ databaseUrl: url(), smtpUrl: 'smtp://127.0.0.1:2525', now: () => T1 });
    await upsertCustomers(
      rt.db.knex,
      Array.from({ length: 40 }, (_, n) => customer(`c-${n}`, { email: `c${n}@example.com` })),
      T0 - DAY,
    );
  });
  afterEach(async () => {
    await rt.close();
  });

  it('match the rows after sends, a retry, failures, skips, a bounce, an erasure and a rollback', async () => {
    const k = rt.db.knex;
    await insertPlanned(
      k,
      [1, 2, 3, 4, 5, 6].map((n) => planned(n, n > 4 ? 'thank-you' : 'birthday')),
      T0,
    );
    // A planned row that turns suppressed: the update trigger moves its count.
    await insertPlanned(k, [planned(7, 'birthday', 'skipped')], T0);
    await k('deliveries').where({ customer_id: 'c-7' }).update({ status: 'suppressed' });
    const claimed = await claimDue(k, rt.db.dialect, { workerId: 'w', now: T0, leaseMs: LEASE, limit: 10 });
    const id = (n: number) => claimed.find((r) => r.customer_id === `c-${n}`)?.id as number;
    await recordOutcomes(
      k,
      'w',
      [
        { id: id(1), status: 'sent', messageId: '<1@x>', sentAt: T0 },
        { id: id(2), status: 'pending', availableAt: T1, error: '421 try later' },
        { id: id(3), status: 'failed', reason: null, error: '550 no' },
        { id: id(4), status: 'suppressed', reason: 'unsubscribed', error: null },
        { id: id(5), status: 'skipped', reason: 'frequency-cap', error: null },
        { id: id(6), status: 'sent', messageId: '<6@x>', sentAt: T0 },
      ],
      T0,
    );
    expect(await fromCounts(k)).toEqual(await fromRows(k));
    expect(await fromCounts(k)).toEqual({
      [`${day(T0)} birthday sent`]: 1,
      [`${day(T0)} birthday failed`]: 1,
      [`${day(T0)} birthday suppressed`]: 2,
      [`${day(T0)} thank-you sent`]: 1,
    });

    // The retry goes out the next day; the first send bounces then; a person skips another.
    const [retry] = await claimDue(k, rt.db.dialect, { workerId: 'w', now: T1, leaseMs: LEASE, limit: 10 });
    await recordOutcomes(
      k,
      'w',
      [{ id: retry?.id as number, status: 'sent', messageId: '<2@x>', sentAt: T1 }],
      T1,
    );
    await k('deliveries').where('id', id(1)).update({ status: 'bounced', updated_at: T1 });
    await insertPlanned(k, [planned(8)], T0);
    const skip = {
      automationId: 'birthday',
      customerId: 'c-8',
      occurrence: 'o-8',
      utc: new Date(T1).toISOString(),
    };
    expect(await skipUpcoming(rt, skip, 'ed')).toBe('skipped');
    // Erasing a customer deletes their deliveries, and their counts with them.
    await erasePerson(rt.db, 'c-6', 'ed', 'erasure request', T1);
    // A write rolled back leaves no count behind.
    await expect(
      k.transaction(async (trx) => {
        await trx('deliveries').where('id', id(3)).update({ status: 'sent', updated_at: T1 });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');

    expect(await fromCounts(k)).toEqual(await fromRows(k));
    expect(await fromCounts(k)).toEqual({
      [`${day(T0)} birthday failed`]: 1,
      [`${day(T0)} birthday suppressed`]: 2,
      [`${day(T1)} birthday sent`]: 1,
      [`${day(T1)} birthday bounced`]: 1,
    });
    const board = await dashboard(rt.db, T1);
    expect(board.days.slice(-2)).toMatchObject([
      { sent: 0, failed: 1, suppressed: 2 },
      { sent: 2, failed: 0, suppressed: 0 },
    ]);
    expect(board.automations).toEqual([{ automation: 'birthday', sent: 2, failed: 1, suppressed: 2 }]);
  });

  it('stay exact when several connections record outcomes at once', async () => {
    const k = rt.db.knex;
    await insertPlanned(
      k,
      Array.from({ length: 30 }, (_, n) => planned(n, n % 2 ? 'birthday' : 'thank-you')),
      T0,
    );
    const claimed = await claimDue(k, rt.db.dialect, { workerId: 'w', now: T0, leaseMs: LEASE, limit: 30 });
    await Promise.all(
      claimed.map((row, n) =>
        recordOutcomes(
          k,
          'w',
          [
            n % 3 === 0
              ? { id: row.id, status: 'failed', reason: null, error: '550' }
              : { id: row.id, status: 'sent', messageId: `<${row.id}@x>`, sentAt: T0 + n },
          ],
          T0 + (n % 2) * DAY,
        ),
      ),
    );
    const counts = await fromCounts(k);
    expect(counts).toEqual(await fromRows(k));
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(30);
  });

  it('are backfilled from the rows already stored', async () => {
    const k = rt.db.knex;
    await insertPlanned(
      k,
      [1, 2, 3].map((n) => planned(n)),
      T0,
    );
    const claimed = await claimDue(k, rt.db.dialect, { workerId: 'w', now: T0, leaseMs: LEASE, limit: 10 });
    await recordOutcomes(
      k,
      'w',
      claimed.map((r) => ({ id: r.id, status: 'sent' as const, messageId: `<${r.id}@x>`, sentAt: T0 })),
      T0,
    );
    await dropDeliveryOutcomes(k);
    await k('deliveries').where('customer_id', 'c-1').update({ status: 'failed' });
    await createDeliveryOutcomes(k);
    expect(await fromCounts(k)).toEqual({
      [`${day(T0)} birthday sent`]: 2,
      [`${day(T0)} birthday failed`]: 1,
    });
    // And kept from then on.
    await k('deliveries').where('customer_id', 'c-2').delete();
    expect(await fromCounts(k)).toEqual(await fromRows(k));
  });
});
