/**
 * Filling a database for a measure, through the same db modules an import uses, in big
 * batches. Seeding is never part of a measured time.
 */
import { upsertContent } from '../src/db/content.js';
import { upsertCustomers } from '../src/db/customers.js';
import { upsertEvents } from '../src/db/events.js';
import { insertPlanned } from '../src/db/deliveries.js';
import type { Database } from '../src/db/connect.js';
import type { PlannedDelivery } from '../src/plan/types.js';
import type { CustomerInput } from '../src/domain.js';
import { articles, customerId, customers, DATA_NOW, purchases } from './data.js';

const BATCH = 10_000;

/**
 * Customers [from, to) with their purchases, and (from 0) a year of articles. A larger
 * population is a smaller one grown: customer n is the same person in both.
 */
export async function seedPopulation(
  db: Database,
  from: number,
  to: number,
): Promise<{ customers: number; events: number }> {
  let events = 0;
  for (let start = from; start < to; start += BATCH) {
    const end = Math.min(to, start + BATCH);
    await upsertCustomers(db.knex, customers(start, end), DATA_NOW - 400 * 86_400_000);
    const batch = purchases(start, end);
    events += batch.length;
    await upsertEvents(db.knex, batch, DATA_NOW);
  }
  if (from === 0) await upsertContent(db.knex, articles(), DATA_NOW);
  return { customers: to - from, events };
}

/**
 * `sends` pending birthday deliveries due at `dueAt`, for customers spread evenly over the
 * population (so a batch's look-ups touch the whole table, as real due sets do).
 */
export async function seedDue(
  db: Database,
  population: number,
  sends: number,
  dueAt: number,
  now: number,
  occurrence = 'bench',
): Promise<void> {
  const step = population / sends;
  for (let from = 0; from < sends; from += BATCH) {
    const planned: PlannedDelivery[] = [];
    for (let i = from; i < Math.min(sends, from + BATCH); i++) {
      // A subscribed customer at or after the even spot: every row is sent, none suppressed.
      let n = Math.floor(i * step);
      while (!(customers(n, n + 1)[0] as CustomerInput).subscribed) n++;
      planned.push({
        automationId: 'birthday',
        customerId: customerId(n),
        occurrence,
        triggerAt: dueAt,
        dueAt,
        localTime: new Date(dueAt).toISOString(),
        eventId: null,
        transactional: false,
        status: 'pending',
        reason: null,
      });
    }
    await insertPlanned(db.knex, planned, now);
  }
}
