/**
 * What a tick re-plans: for event rules, the customers whose events fall due in this tick's
 * slice of time (plus a few days for rules with `at`), not every recent buyer on every tick.
 */
import { describe, expect, it } from 'vitest';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { runTick } from '../../src/schedule/tick.js';
import { database } from '../support/databases.js';
import { customer, purchase } from '../support/records.js';
import { openTestRuntime } from '../support/runtime.js';

const T = (iso: string) => Date.parse(iso);
const MIN = 60_000;
const HOUR = 60 * MIN;

const url = database('sqlite').fresh('test');

async function secondTick(automations: unknown[]) {
  const NOW = T('2027-05-04T12:00:00Z');
  const rt = await openTestRuntime({
    databaseUrl: url(),
    smtpUrl: 'file:/tmp/rapport-unused-outbox',
    now: () => NOW,
    config: { worker: { horizon: '1h' }, automations },
  });
  try {
    await upsertCustomers(rt.db.knex, [customer('buyer', { timezone: 'Europe/Paris' })], NOW - 10 * HOUR);
    // Bought ten hours ago: its thank-you (after 1h) was planned long ago.
    await upsertEvents(rt.db.knex, [purchase('o1', 'buyer', NOW - 10 * HOUR)], NOW - 10 * HOUR);
    await runTick(rt.db, rt.config, NOW);
    // The next tick, a minute later, plans one more minute.
    return await runTick(rt.db, rt.config, NOW + MIN);
  } finally {
    await rt.close();
  }
}

describe('a tick re-plans only what its slice of time can concern', () => {
  it('a rule without `at`: a purchase ten hours old is not looked at again', async () => {
    const report = await secondTick([
      { id: 'thanks', on: { event: 'purchase', after: '1h' }, template: 'thank-you', transactional: true },
    ]);
    expect(report.customers).toBe(0);
  });

  it('a rule with `at` (which moves a time up to two days later): recent buyers are looked at', async () => {
    const report = await secondTick([
      { id: 'follow', on: { event: 'purchase', after: '1h', at: '10:00' }, template: 'follow-up' },
    ]);
    expect(report.customers).toBe(1);
  });
});
