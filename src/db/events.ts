/** Queries on the `events` table. */
import type { Knex } from 'knex';
import type { CustomerEvent, EventPoint } from '../domain.js';
import { chunks, IN_CHUNK, upsertById, type UpsertCounts, type UpsertSpec } from './rows.js';
import { countOf, jsonObject, num, rowOf, rowsOf, str, strings, type Row } from './read.js';

function rowToEvent(row: Row): CustomerEvent {
  return {
    id: str(row, 'id'),
    customer_id: str(row, 'customer_id'),
    type: str(row, 'type'),
    occurred_at: num(row, 'occurred_at'),
    data: jsonObject(row, 'data'),
  };
}

const EVENTS: UpsertSpec = {
  table: 'events',
  compare: ['customer_id', 'type', 'occurred_at', 'data'],
  // ingested_at tells the planner which customers to look at again.
  inserted: (now) => ({ ingested_at: now }),
  updated: (now) => ({ ingested_at: now }),
};

/** Upsert by id; identical rows are left alone (re-importing changes nothing). */
export async function upsertEvents(
  knex: Knex,
  inputs: readonly CustomerEvent[],
  now: number,
  dryRun = false,
): Promise<UpsertCounts> {
  const rows = inputs.map((e) => ({
    id: e.id,
    customer_id: e.customer_id,
    type: e.type,
    occurred_at: e.occurred_at,
    data: JSON.stringify(e.data),
  }));
  return upsertById(knex, EVENTS, rows, now, dryRun);
}

/** The given customers' events of the given types, grouped by customer, each list in time order. */
export function eventsForCustomers(
  knex: Knex,
  customerIds: readonly string[],
  types: readonly string[],
): Promise<Map<string, CustomerEvent[]>> {
  return groupedEvents(knex, customerIds, types, '*', rowToEvent);
}

/**
 * The same events as eventsForCustomers without their data, which planning never reads: at a
 * million customers (a forecast reads everyone's) parsing each event's JSON was a measurable
 * share of the refresh.
 */
export function eventPointsForCustomers(
  knex: Knex,
  customerIds: readonly string[],
  types: readonly string[],
): Promise<Map<string, EventPoint[]>> {
  return groupedEvents(knex, customerIds, types, ['id', 'customer_id', 'type', 'occurred_at'], rowToPoint);
}

function rowToPoint(r: Row): EventPoint {
  return {
    id: str(r, 'id'),
    customer_id: str(r, 'customer_id'),
    type: str(r, 'type'),
    occurred_at: num(r, 'occurred_at'),
  };
}

async function groupedEvents<E extends EventPoint>(
  knex: Knex,
  customerIds: readonly string[],
  types: readonly string[],
  columns: '*' | string[],
  toEvent: (r: Row) => E,
): Promise<Map<string, E[]>> {
  const out = new Map<string, E[]>();
  if (types.length === 0) return out;
  for (const batch of chunks([...new Set(customerIds)], IN_CHUNK)) {
    const rows = rowsOf(
      await knex('events')
        .whereIn('customer_id', batch)
        .whereIn('type', types)
        .orderBy([{ column: 'customer_id' }, { column: 'occurred_at' }, { column: 'id' }])
        .select(columns),
    );
    for (const r of rows) {
      const event = toEvent(r);
      const list = out.get(event.customer_id);
      if (list) list.push(event);
      else out.set(event.customer_id, [event]);
    }
  }
  return out;
}

/** Ids of customers with an event of `type` that occurred in [from, to): keyset-paged by customer id. */
export async function customersWithEventsBetween(
  knex: Knex,
  type: string,
  from: number,
  to: number,
  afterCustomerId: string | null,
  limit: number,
): Promise<string[]> {
  const q = knex('events')
    .distinct('customer_id')
    .where('type', type)
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', to)
    .orderBy('customer_id')
    .limit(limit);
  if (afterCustomerId !== null) q.where('customer_id', '>', afterCustomerId);
  return strings(await q, 'customer_id');
}

/** Ids of customers with events stored or changed since `since` (ingestion time): keyset-paged. */
export async function customersWithEventsIngestedSince(
  knex: Knex,
  since: number,
  afterCustomerId: string | null,
  limit: number,
): Promise<string[]> {
  const q = knex('events')
    .distinct('customer_id')
    .where('ingested_at', '>=', since)
    .orderBy('customer_id')
    .limit(limit);
  if (afterCustomerId !== null) q.where('customer_id', '>', afterCustomerId);
  return strings(await q, 'customer_id');
}

export async function getEventsByIds(
  knex: Knex,
  ids: readonly string[],
): Promise<Map<string, CustomerEvent>> {
  const out = new Map<string, CustomerEvent>();
  for (const batch of chunks([...new Set(ids)], IN_CHUNK)) {
    for (const event of rowsOf(await knex('events').whereIn('id', batch)).map(rowToEvent))
      out.set(event.id, event);
  }
  return out;
}

/** Removes these events (ids that do not exist are ignored); returns how many went. */
export async function deleteEvents(knex: Knex, ids: readonly string[]): Promise<number> {
  let deleted = 0;
  for (const batch of chunks([...new Set(ids)], IN_CHUNK))
    deleted += await knex('events').whereIn('id', batch).delete();
  return deleted;
}

/** Which of `types` at least one stored event has: one indexed probe per type. */
export async function eventTypesPresent(knex: Knex, types: readonly string[]): Promise<Set<string>> {
  const present = new Set<string>();
  for (const type of new Set(types)) {
    const row = rowOf(await knex('events').where('type', type).select('id').first());
    if (row) present.add(type);
  }
  return present;
}

/** One page of events in id order (keyset pagination), for exports. */
export async function eventPage(knex: Knex, afterId: string | null, limit: number): Promise<CustomerEvent[]> {
  const q = knex('events').orderBy('id').limit(limit);
  if (afterId !== null) q.where('id', '>', afterId);
  return rowsOf(await q).map(rowToEvent);
}

/** The customer's most recent event of `type` (index customer_id, type, occurred_at). */
export async function latestEventOfType(
  knex: Knex,
  customerId: string,
  type: string,
): Promise<CustomerEvent | undefined> {
  const row = rowOf(
    await knex('events')
      .where({ customer_id: customerId, type })
      .orderBy([
        { column: 'occurred_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .first(),
  );
  return row && rowToEvent(row);
}

/** A customer's latest events, newest first, and how many there are in all. */
export async function latestEventsOf(
  knex: Knex,
  customerId: string,
  limit: number,
): Promise<{ events: CustomerEvent[]; total: number }> {
  const rows = rowsOf(
    await knex('events')
      .where('customer_id', customerId)
      .orderBy([
        { column: 'occurred_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit),
  );
  const total = countOf(await knex('events').where('customer_id', customerId).count({ n: '*' }).first());
  return { events: rows.map(rowToEvent), total };
}

/** Every event of one customer, oldest first (a data-access request). */
export async function allEventsOf(knex: Knex, customerId: string): Promise<CustomerEvent[]> {
  return rowsOf(await knex('events').where('customer_id', customerId).orderBy(['occurred_at', 'id'])).map(
    rowToEvent,
  );
}
