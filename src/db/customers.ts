/** Queries on the `customers` table. */
import type { Knex } from 'knex';
import type { Customer, CustomerInput } from '../domain.js';
import { chunks, IN_CHUNK, monthDayKey, upsertById, type UpsertCounts, type UpsertSpec } from './rows.js';
import { dialectOf, withIndexHint } from './dialect.js';
import {
  bool,
  countOf,
  jsonStringMap,
  jsonStrings,
  num,
  rowOf,
  rowsOf,
  str,
  strings,
  strOrNull,
  type Row,
} from './read.js';
import { ZONE_ORDER_INDEX } from './migrations.js';
import { addressKey } from '../address.js';
import { nameKeys, whereSearchMatches, type CustomerSearch } from './customers-console.js';
import { CUSTOMER_COLUMNS } from '../import/validate-customer.js';

export type { CustomerInput, UpsertCounts };

/** A `customers` row as written (inputToRow); read back through rowToCustomer. */
export type CustomerRow = {
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
};

export function rowToCustomer(row: Row): Customer {
  return {
    id: str(row, 'id'),
    email: str(row, 'email'),
    first_name: strOrNull(row, 'first_name'),
    last_name: strOrNull(row, 'last_name'),
    birthday: strOrNull(row, 'birthday'),
    timezone: strOrNull(row, 'timezone'),
    locale: strOrNull(row, 'locale'),
    customer_since: strOrNull(row, 'customer_since'),
    country: strOrNull(row, 'country'),
    region: strOrNull(row, 'region'),
    tags: jsonStrings(row, 'tags'),
    subscribed: bool(row, 'subscribed'),
    attributes: jsonStringMap(row, 'attributes'),
    created_at: num(row, 'created_at'),
    updated_at: num(row, 'updated_at'),
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
  const row = rowOf(await knex('customers').where('id', id).first());
  return row ? rowToCustomer(row) : undefined;
}

export async function getCustomersByIds(knex: Knex, ids: readonly string[]): Promise<Map<string, Customer>> {
  const out = new Map<string, Customer>();
  for (const batch of chunks([...new Set(ids)], IN_CHUNK)) {
    for (const row of rowsOf(await knex('customers').whereIn('id', batch))) {
      const customer = rowToCustomer(row);
      out.set(customer.id, customer);
    }
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
    const rows = rowsOf(
      await knex('customers').whereIn('email_key', batch).orderBy('id').select('id', 'email_key'),
    );
    for (const r of rows) {
      const key = str(r, 'email_key');
      out.set(key, [...(out.get(key) ?? []), str(r, 'id')]);
    }
  }
  return out;
}

/**
 * The address keys more than one record has: one pass over the address index, for a run that
 * plans every customer (a forecast) and would otherwise look every page's addresses up.
 */
export async function sharedAddressKeys(knex: Knex): Promise<Set<string>> {
  const rows = rowsOf(
    await knex('customers').groupBy('email_key').havingRaw('count(*) > 1').select('email_key'),
  );
  return new Set(strings(rows, 'email_key'));
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
    for (const id of strings(await knex('customers').whereIn('id', batch).select('id'), 'id'))
      wanted.delete(id);
  }
  return wanted;
}

export async function countCustomers(knex: Knex): Promise<number> {
  return countOf(await knex('customers').count({ n: '*' }).first());
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
export function customerPage(
  knex: Knex,
  selector: CustomerSelector,
  afterId: string | null,
  limit: number,
): Promise<Customer[]> {
  return withIndexHint((hint) => hintedPage(knex, selector, afterId, limit, hint));
}

async function hintedPage(
  knex: Knex,
  selector: CustomerSelector,
  afterId: string | null,
  limit: number,
  hint: boolean,
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
      if (selector.entries.length === 1 && selector.entries[0]) {
        zonePage(knex, q, selector.column, selector.entries[0], hint);
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
  // The columns a Customer holds, not the search and index keys beside them: planning reads
  // every customer through here, and each column costs at every row.
  return rowsOf(await q.select(CUSTOMER_FIELDS)).map(rowToCustomer);
}

/** The columns rowToCustomer reads. */
const CUSTOMER_FIELDS: string[] = [
  'id',
  'email',
  'first_name',
  'last_name',
  'birthday',
  'timezone',
  'locale',
  'customer_since',
  'country',
  'region',
  'tags',
  'subscribed',
  'attributes',
  'created_at',
  'updated_at',
];

/**
 * One zone's customers (with these month-days): an index range in id order. SQLite plans
 * without statistics and, offered (timezone, id), may walk a whole zone to skip a sort even
 * when (month-day, timezone) finds the few due; so on SQLite the index is named.
 */
function zonePage(
  knex: Knex,
  q: Knex.QueryBuilder,
  column: 'birth_md' | 'since_md' | undefined,
  e: ZonedMonthDays,
  hint: boolean,
): void {
  const byMonthDay = e.monthDays !== null && column !== undefined;
  const index = byMonthDay ? `customers_${column}_timezone_index` : ZONE_ORDER_INDEX;
  if (hint) q.from(dialectOf(knex).indexed(knex, 'customers', index));
  if (e.zone === null) q.whereNull('timezone');
  else q.where('timezone', e.zone);
  if (byMonthDay && e.monthDays !== null) q.whereIn(column, e.monthDays);
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
    after = page[page.length - 1]?.id ?? null;
    if (page.length < pageSize) return;
  }
}

/** The distinct zones customers are in; null stands for customers without one. */
export async function customerZones(knex: Knex): Promise<Array<string | null>> {
  return rowsOf(await knex('customers').distinct('timezone')).map((r) => strOrNull(r, 'timezone'));
}

/** The distinct (country, region) pairs customers are in; null where none is on file. */
export async function customerPlaces(
  knex: Knex,
): Promise<Array<{ country: string | null; region: string | null }>> {
  const rows = rowsOf(await knex('customers').distinct('country', 'region'));
  return rows.map((r) => ({ country: strOrNull(r, 'country'), region: strOrNull(r, 'region') }));
}
