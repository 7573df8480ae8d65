/** Queries on the `customers` table. */
import type { Knex } from 'knex';
import type { Customer, CustomerInput } from '../domain.js';
import {
  chunks,
  IN_CHUNK,
  monthDayKey,
  parseJson,
  toBool,
  upsertById,
  type UpsertCounts,
  type UpsertSpec,
  isPostgres,
} from './rows.js';
import { ZONE_ORDER_INDEX } from './migrations.js';
import { addressKey } from '../address.js';
import { nameKeys, whereSearchMatches, type CustomerSearch } from './customers-console.js';
import { CUSTOMER_COLUMNS } from '../import/validate-customer.js';

export type { CustomerInput, UpsertCounts };

export interface CustomerRow {
  id: string;
  email: string;
  /** The address's consent key (addressKey): lower case, indexed. */
  email_key: string;
  /** Lower-case "first last" and "last", searched by prefix (the console's search). */
  name_key?: string | null;
  surname_key?: string | null;
  first_name: string | null;
  last_name: string | null;
  birthday: string | null;
  birth_md: number | null;
  timezone: string | null;
  locale: string | null;
  customer_since: string | null;
  since_md: number | null;
  country?: string | null;
  region?: string | null;
  tags: string;
  subscribed: boolean | number;
  attributes: string;
  created_at: number;
  updated_at: number;
}

export function rowToCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    email: row.email,
    first_name: row.first_name,
    last_name: row.last_name,
    birthday: row.birthday,
    timezone: row.timezone,
    locale: row.locale,
    customer_since: row.customer_since,
    country: row.country ?? null,
    region: row.region ?? null,
    tags: parseJson<string[]>(row.tags, []),
    subscribed: toBool(row.subscribed),
    attributes: parseJson<Record<string, string>>(row.attributes, {}),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

export function inputToRow(c: CustomerInput): Omit<CustomerRow, 'created_at' | 'updated_at'> {
  return {
    id: c.id,
    email: c.email,
    email_key: addressKey(c.email),
    ...nameKeys(c.first_name, c.last_name),
    first_name: c.first_name,
    last_name: c.last_name,
    birthday: c.birthday,
    birth_md: monthDayKey(c.birthday),
    timezone: c.timezone,
    locale: c.locale,
    customer_since: c.customer_since,
    since_md: monthDayKey(c.customer_since),
    country: c.country ?? null,
    region: c.region ?? null,
    tags: JSON.stringify(c.tags),
    subscribed: c.subscribed,
    attributes: JSON.stringify(c.attributes),
  };
}

export const CUSTOMERS: UpsertSpec = {
  table: 'customers',
  // The customer's own fields as imports name them (CUSTOMER_COLUMNS), less the key, plus attributes.
  compare: [...[...CUSTOMER_COLUMNS].filter((c) => c !== 'id'), 'attributes'],
  inserted: (now) => ({ created_at: now, updated_at: now }),
  updated: (now) => ({ updated_at: now }),
};

/** Insert new customers and update changed ones, each replaced whole (see upsertById; imports merge: customers-merge.ts). */
export async function upsertCustomers(
  knex: Knex,
  inputs: readonly CustomerInput[],
  now: number,
): Promise<UpsertCounts> {
  return upsertById(knex, CUSTOMERS, inputs.map(inputToRow), now);
}

export async function getCustomer(knex: Knex, id: string): Promise<Customer | undefined> {
  const row = (await knex('customers').where('id', id).first()) as CustomerRow | undefined;
  return row ? rowToCustomer(row) : undefined;
}

export async function getCustomersByIds(knex: Knex, ids: readonly string[]): Promise<Map<string, Customer>> {
  const out = new Map<string, Customer>();
  for (const batch of chunks([...new Set(ids)], IN_CHUNK)) {
    const rows = (await knex('customers').whereIn('id', batch)) as CustomerRow[];
    for (const row of rows) out.set(row.id, rowToCustomer(row));
  }
  return out;
}

/**
 * Stored customers' ids at each of these address keys (addressKey), in id order; also how
 * events that name their customer by address (an order export) and webhooks find the customer.
 */
export async function customersAtAddresses(
  knex: Knex,
  keys: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const batch of chunks([...new Set(keys)], IN_CHUNK)) {
    const rows = (await knex('customers')
      .whereIn('email_key', batch)
      .orderBy('id')
      .select('id', 'email_key')) as Array<{
      id: string;
      email_key: string;
    }>;
    for (const r of rows) out.set(r.email_key, [...(out.get(r.email_key) ?? []), r.id]);
  }
  return out;
}

/**
 * The other records at each of these customers' addresses (any letter case), by address key;
 * addresses with one record are left out. Two indexed queries for a page, however large.
 */
export async function othersAtAddresses(
  knex: Knex,
  customers: readonly Customer[],
): Promise<Map<string, Customer[]>> {
  const ids = await customersAtAddresses(
    knex,
    customers.map((c) => addressKey(c.email)),
  );
  const shared = [...ids.values()].filter((list) => list.length > 1).flat();
  const out = new Map<string, Customer[]>();
  if (shared.length === 0) return out;
  for (const c of (await getCustomersByIds(knex, shared)).values()) {
    const key = addressKey(c.email);
    out.set(key, [...(out.get(key) ?? []), c]);
  }
  return out;
}

export async function missingCustomerIds(knex: Knex, ids: readonly string[]): Promise<Set<string>> {
  const wanted = new Set(ids);
  for (const batch of chunks([...wanted], IN_CHUNK)) {
    const rows = (await knex('customers').whereIn('id', batch).select('id')) as Array<{ id: string }>;
    for (const row of rows) wanted.delete(row.id);
  }
  return wanted;
}

export async function countCustomers(knex: Knex): Promise<number> {
  const row = (await knex('customers').count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** Customers in one zone (null: no zone on file), optionally only those with these month-days. */
export interface ZonedMonthDays {
  zone: string | null;
  monthDays: readonly number[] | null;
}

/** Which customers a page query selects. */
export type CustomerSelector =
  | { kind: 'zoned'; column?: 'birth_md' | 'since_md'; entries: readonly ZonedMonthDays[] }
  | { kind: 'all' }
  | { kind: 'birth_md' | 'since_md'; monthDays: readonly number[] }
  | { kind: 'updated_since'; since: number }
  | { kind: 'created_between'; from: number; to: number }
  | { kind: 'ids'; ids: readonly string[] }
  | { kind: 'search'; search: CustomerSearch };

/**
 * One page of customers in id order (keyset pagination: never OFFSET, never everything at once).
 */
export async function customerPage(
  knex: Knex,
  selector: CustomerSelector,
  afterId: string | null,
  limit: number,
): Promise<Customer[]> {
  const q = knex('customers').orderBy('id').limit(limit);
  if (afterId !== null) q.where('id', '>', afterId);
  switch (selector.kind) {
    case 'birth_md':
    case 'since_md':
      if (selector.monthDays.length === 0) return [];
      q.whereIn(selector.kind, selector.monthDays);
      break;
    case 'updated_since':
      q.where('updated_at', '>=', selector.since);
      break;
    case 'zoned':
      if (selector.entries.length === 1) {
        zonePage(q, selector.column, selector.entries[0] as ZonedMonthDays);
        break;
      }
      q.where((w) => {
        for (const e of selector.entries) {
          w.orWhere((one) => {
            if (e.zone === null) one.whereNull('timezone');
            else one.where('timezone', e.zone);
            if (e.monthDays && selector.column) one.whereIn(selector.column, e.monthDays);
          });
        }
      });
      break;
    case 'created_between':
      q.where('created_at', '>=', selector.from).where('created_at', '<', selector.to);
      break;
    case 'ids':
      if (selector.ids.length === 0) return [];
      q.whereIn('id', selector.ids.slice(0, IN_CHUNK));
      break;
    case 'search':
      whereSearchMatches(q, selector.search);
      break;
    case 'all':
      break;
  }
  return ((await q) as CustomerRow[]).map(rowToCustomer);
}

/**
 * One zone's customers (with these month-days): an index range in id order. SQLite plans
 * without statistics and, offered (timezone, id), may walk a whole zone to skip a sort even
 * when (month-day, timezone) finds the few due; so on SQLite the index is named.
 */
function zonePage(
  q: Knex.QueryBuilder,
  column: 'birth_md' | 'since_md' | undefined,
  e: ZonedMonthDays,
): void {
  const byMonthDay = e.monthDays !== null && column !== undefined;
  if (!isPostgres(q)) {
    const index = byMonthDay ? `customers_${column}_timezone_index` : ZONE_ORDER_INDEX;
    q.from(q.client.raw('?? INDEXED BY ??', ['customers', index]));
  }
  if (e.zone === null) q.whereNull('timezone');
  else q.where('timezone', e.zone);
  if (byMonthDay) q.whereIn(column, e.monthDays as readonly number[]);
}

/** Iterate a selection page by page. */
export async function* iterateCustomers(
  knex: Knex,
  selector: CustomerSelector,
  pageSize = 1000,
): AsyncGenerator<Customer[]> {
  if (selector.kind === 'zoned' && selector.entries.length > 1) {
    // Zone by zone (each customer is in one): paging an OR of zones in id order sorted every
    // zone's rows again for every page, quadratic in the zones' size.
    for (const entry of selector.entries)
      yield* iterateCustomers(knex, { ...selector, entries: [entry] }, pageSize);
    return;
  }
  if (selector.kind === 'ids') {
    for (const batch of chunks([...new Set(selector.ids)].sort(), IN_CHUNK)) {
      const page = await customerPage(knex, { kind: 'ids', ids: batch }, null, batch.length);
      if (page.length > 0) yield page;
    }
    return;
  }
  let after: string | null = null;
  for (;;) {
    const page = await customerPage(knex, selector, after, pageSize);
    if (page.length === 0) return;
    yield page;
    after = (page[page.length - 1] as Customer).id;
    if (page.length < pageSize) return;
  }
}

/** The distinct zones customers are in; null stands for customers without one. */
export async function customerZones(knex: Knex): Promise<Array<string | null>> {
  const rows = (await knex('customers').distinct('timezone')) as Array<{ timezone: string | null }>;
  return rows.map((r) => r.timezone);
}

/** The distinct (country, region) pairs customers are in; null where none is on file. */
export async function customerPlaces(
  knex: Knex,
): Promise<Array<{ country: string | null; region: string | null }>> {
  const rows = (await knex('customers').distinct('country', 'region')) as Array<{
    country: string | null;
    region: string | null;
  }>;
  return rows.map((r) => ({ country: r.country, region: r.region }));
}
