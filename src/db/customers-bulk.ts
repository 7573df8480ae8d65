/**
 * Merging a whole batch of imported customers at once: one read of the stored records and of
 * the opt-outs for the batch, one pass in memory (customers-merge.ts's rules, via planMerge),
 * and one upsert per row (`INSERT … ON CONFLICT (id) DO UPDATE`) for only the new and changed
 * rows, all in one transaction. On SQLite the statements are better-sqlite3's own, prepared
 * once per connection: building and preparing SQL text through knex for every row cost more
 * than the writes themselves. On Postgres the upserts go as multi-row statements.
 */
import type { Knex } from 'knex';
import type { CustomerPatch } from '../domain.js';
import type { WrittenCustomers } from '../import/types.js';
import { mergeCustomer } from '../import/merge.js';
import { addressKey } from '../address.js';
import { optOutsFor } from './consent.js';
import { CUSTOMERS, customersAtAddresses, inputToRow, rowToCustomer } from './customers.js';
import { effectivePatch, type MergeCounts } from './customers-merge.js';
import { dialectOf } from './dialect.js';
import { num, rowsOf, str, strOrNull, type Row as StoredRow } from './read.js';
import { chunks, IN_CHUNK, sameColumns } from './rows.js';

/** Every column an import writes, in the order of the upsert's values. */
const COLUMNS = [
  'id',
  'email',
  'email_key',
  'name_key',
  'surname_key',
  'first_name',
  'last_name',
  'birthday',
  'birth_md',
  'timezone',
  'locale',
  'customer_since',
  'since_md',
  'country',
  'region',
  'tags',
  'subscribed',
  'attributes',
  'created_at',
  'updated_at',
] as const;

/** What a stored row's update replaces: everything but the key and when it was created. */
const UPDATED = COLUMNS.filter((c) => c !== 'id' && c !== 'created_at');

const SAME = [...CUSTOMERS.compare, 'email_key'];

/** Rows per multi-row statement on Postgres: 20 values each, far below its 65,535 bound values. */
const PG_ROWS = 500;

type Row = Record<string, unknown>;

interface MergePlan {
  /** The rows to write, new and changed only, one per id. */
  writes: Row[];
  counts: MergeCounts;
}

/**
 * What merging `patches` into `stored` (by id) writes, and the counts: pure. A full opt-out
 * (scope '*') keeps the record unsubscribed whatever the row says; a second row for one id
 * merges into what the first made (imports refuse such rows before they get here).
 */
function planMerge(
  patches: readonly CustomerPatch[],
  stored: Map<string, StoredRow>,
  optOuts: ReadonlyMap<string, ReadonlySet<string>>,
  now: number,
): MergePlan {
  const counts: MergeCounts = { inserted: 0, updated: 0, unchanged: 0, keptUnsubscribed: 0 };
  const writes = new Map<string, Row>();
  for (const patch of patches) {
    const old = stored.get(patch.id);
    const oldCustomer = old ? rowToCustomer(old) : undefined;
    const effective = effectivePatch(patch, oldCustomer, optOuts.get(patch.id), counts);
    // A fresh object each time: it becomes the row written, timestamps added in place.
    const row: Row = inputToRow(mergeCustomer(oldCustomer, effective));
    if (!old) {
      counts.inserted++;
      row.created_at = now;
    } else if (sameColumns(SAME, row, old)) {
      counts.unchanged++;
      continue;
    } else {
      counts.updated++;
      row.created_at = num(old, 'created_at');
    }
    row.updated_at = now;
    writes.set(patch.id, row);
    stored.set(patch.id, row);
  }
  return { writes: [...writes.values()], counts };
}

/** Which patches need their opt-outs read: those asking to subscribe, and new records. */
function asking(patches: readonly CustomerPatch[], stored: ReadonlyMap<string, StoredRow>) {
  return patches.filter((p) => p.subscribed === true || !stored.has(p.id));
}

/**
 * Merges one batch of patches into the stored customers in one transaction, inserting new
 * ones and updating changed ones; `dryRun` reads and counts, and writes nothing.
 */
export async function mergeCustomerBatch(
  knex: Knex,
  patches: readonly CustomerPatch[],
  now: number,
  dryRun = false,
): Promise<MergeCounts> {
  return knex.transaction(async (trx) => {
    if (dialectOf(trx).name !== 'postgres') {
      const conn = await poolOf(trx).acquireConnection();
      return mergeOnSqlite(conn, patches, now, dryRun);
    }
    const stored = await storedById(trx, patches);
    const optOuts = await optOutsFor(trx, asking(patches, stored));
    const plan = planMerge(patches, stored, optOuts, now);
    if (!dryRun) {
      for (const part of chunks(plan.writes, PG_ROWS))
        await trx('customers')
          .insert(part)
          .onConflict('id')
          .merge([...UPDATED]);
    }
    return plan.counts;
  });
}

async function storedById(trx: Knex.Transaction, patches: readonly CustomerPatch[]) {
  const stored = new Map<string, StoredRow>();
  for (const ids of chunks([...new Set(patches.map((p) => p.id))], IN_CHUNK)) {
    for (const row of rowsOf(await trx('customers').whereIn('id', ids))) stored.set(str(row, 'id'), row);
  }
  return stored;
}

/** The parts of a better-sqlite3 connection used here. */
interface SqliteStatement {
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): unknown;
}
/** knex's connection pool, from which the SQLite path borrows the driver's own handle. */
interface Pool {
  acquireConnection(): Promise<SqliteConnection>;
  releaseConnection(conn: SqliteConnection): Promise<void>;
}

function poolOf(knex: Knex): Pool {
  return knex.client as Pool;
}

interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
}

interface SqliteStatements {
  atAddresses: SqliteStatement;
  stored: SqliteStatement;
  optOuts: SqliteStatement;
  upsert: SqliteStatement;
}

const prepared = new WeakMap<SqliteConnection, SqliteStatements>();

/** Statements prepared once per connection; ids and keys go in as one JSON array each. */
function statements(conn: SqliteConnection): SqliteStatements {
  let s = prepared.get(conn);
  if (s) return s;
  const names = COLUMNS.join(', ');
  s = {
    atAddresses: conn.prepare(
      'SELECT c.id, c.email_key FROM json_each(?) AS j CROSS JOIN customers AS c ON c.email_key = j.value ORDER BY c.id',
    ),
    stored: conn.prepare('SELECT * FROM customers WHERE id IN (SELECT value FROM json_each(?))'),
    optOuts: conn.prepare(
      'SELECT customer_id, email_key, scope FROM opt_outs WHERE customer_id IN (SELECT value FROM json_each(?)) ' +
        'UNION SELECT customer_id, email_key, scope FROM opt_outs WHERE email_key IN (SELECT value FROM json_each(?))',
    ),
    upsert: conn.prepare(
      `INSERT INTO customers (${names}) VALUES (${COLUMNS.map(() => '?').join(', ')}) ` +
        `ON CONFLICT (id) DO UPDATE SET ${UPDATED.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    ),
  };
  prepared.set(conn, s);
  return s;
}

/** A value as better-sqlite3 binds it: booleans as 1/0, missing as NULL. */
function bindable(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value === undefined ? null : value;
}

function mergeOnSqlite(
  conn: SqliteConnection,
  patches: readonly CustomerPatch[],
  now: number,
  dryRun: boolean,
): MergeCounts {
  const s = statements(conn);
  const ids = [...new Set(patches.map((p) => p.id))];
  const stored = new Map<string, StoredRow>();
  for (const row of rowsOf(s.stored.all(JSON.stringify(ids)))) stored.set(str(row, 'id'), row);
  const optOuts = sqliteOptOuts(s, asking(patches, stored));
  const plan = planMerge(patches, stored, optOuts, now);
  if (!dryRun) for (const row of plan.writes) s.upsert.run(COLUMNS.map((c) => bindable(row[c])));
  return plan.counts;
}

/** The scopes each customer opted out of, by its record or by its address (as optOutsFor). */
function sqliteOptOuts(
  s: SqliteStatements,
  customers: ReadonlyArray<{ id: string; email: string }>,
): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  if (customers.length === 0) return out;
  const ids = [...new Set(customers.map((c) => c.id))];
  const keys = [...new Set(customers.map((c) => addressKey(c.email)))];
  const rows = rowsOf(s.optOuts.all(JSON.stringify(ids), JSON.stringify(keys))).map((r) => ({
    customer_id: str(r, 'customer_id'),
    email_key: strOrNull(r, 'email_key'),
    scope: str(r, 'scope'),
  }));
  if (rows.length === 0) return out;
  const byId = new Map<string, string[]>();
  const byKey = new Map<string, string[]>();
  for (const r of rows) {
    byId.set(r.customer_id, [...(byId.get(r.customer_id) ?? []), r.scope]);
    if (r.email_key !== null) byKey.set(r.email_key, [...(byKey.get(r.email_key) ?? []), r.scope]);
  }
  for (const c of customers) {
    const scopes = new Set([...(byId.get(c.id) ?? []), ...(byKey.get(addressKey(c.email)) ?? [])]);
    if (scopes.size > 0) out.set(c.id, scopes);
  }
  return out;
}

/** Stored customers' ids by address key, for the keys given, on a better-sqlite3 connection. */
function atAddressKeys(conn: SqliteConnection, keys: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (keys.length === 0) return out;
  for (const r of rowsOf(statements(conn).atAddresses.all(JSON.stringify([...new Set(keys)])))) {
    const key = str(r, 'email_key');
    const ids = out.get(key);
    if (ids) ids.push(str(r, 'id'));
    else out.set(key, [str(r, 'id')]);
  }
  return out;
}

/**
 * customersAtAddresses for a whole batch: on SQLite one prepared statement (the keys as a JSON
 * array) instead of a query built and prepared for every 500 keys.
 */
export async function customersAtAddressKeys(
  knex: Knex,
  keys: readonly string[],
): Promise<Map<string, string[]>> {
  if (dialectOf(knex).name === 'postgres' || keys.length === 0) return customersAtAddresses(knex, keys);
  const conn = await poolOf(knex).acquireConnection();
  try {
    return atAddressKeys(conn, keys);
  } finally {
    await poolOf(knex).releaseConnection(conn);
  }
}

/**
 * One batch merged on a better-sqlite3 connection inside the caller's transaction, as
 * mergeCustomerBatch does through the pool: first the stored records at `addressKeys` (the
 * import's shared-address check, which must see the batches before this one and not this one),
 * then the merge and its writes.
 */
export function mergeBatchOnConnection(
  conn: SqliteConnection,
  patches: readonly CustomerPatch[],
  addressKeys: readonly string[],
  now: number,
): WrittenCustomers {
  const atAddresses = [...atAddressKeys(conn, addressKeys)];
  return { counts: mergeOnSqlite(conn, patches, now, false), atAddresses };
}
