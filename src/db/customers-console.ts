/**
 * The customers table as the staff console reads and marks it (customers.ts has the rest).
 *
 * Finding customers as a person types, at a million rows: every lookup is an index range in
 * (key, id) order with a limit — id, email_key, name_key ("first last") and surname_key by
 * prefix. Part of an address that is not its start (a surname inside it, the domain) is a
 * substring test over the (email_key, id) index alone; tags live in a JSON text column, tested
 * row by row in id order. Both substring scans stop at the page's limit or after a row budget
 * (the caller says the results may be incomplete), unless Postgres trigram indexes serve them.
 */
import type { Knex } from 'knex';
import { dialectOf, withIndexHint } from './dialect.js';
import { countOf, rowOf, rowsOf, str, strOrNull, strings, type Row } from './read.js';
import { NAME_KEY_INDEX, SURNAME_KEY_INDEX } from './migrations.js';

export interface CustomerHit {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  tags: string;
}

/** The search keys of a name: derived on every write, so they never disagree with it. */
export function nameKeys(
  first: string | null,
  last: string | null,
): { name_key: string | null; surname_key: string | null } {
  const full = `${first ?? ''} ${last ?? ''}`.trim().toLowerCase();
  const surname = (last ?? '').trim().toLowerCase();
  return { name_key: full === '' ? null : full, surname_key: surname === '' ? null : surname };
}

const HIT_COLUMNS = ['id', 'email', 'first_name', 'last_name', 'tags'] as const;

function toHit(r: Row): CustomerHit {
  return {
    id: str(r, 'id'),
    email: str(r, 'email'),
    first_name: strOrNull(r, 'first_name'),
    last_name: strOrNull(r, 'last_name'),
    tags: str(r, 'tags'),
  };
}

/** The smallest string above every string that starts with `prefix` (an index range's end). */
function prefixEnd(prefix: string): string {
  return `${prefix}\uffff`;
}

/** Customers whose column starts with `prefix` (already lower case where the column is), in column order. */
export async function customersByPrefix(
  knex: Knex,
  column: 'id' | 'email_key' | 'name_key' | 'surname_key',
  prefix: string,
  limit: number,
): Promise<CustomerHit[]> {
  const q = knex('customers').limit(limit).select(HIT_COLUMNS);
  if (dialectOf(q).name === 'postgres') {
    // The "C" collation's order is the bytes' order: a prefix is a range of its index.
    const key = '?? COLLATE "C"';
    q.whereRaw(`${key} >= ? AND ${key} < ?`, [column, prefix, column, prefixEnd(prefix)]);
    q.orderByRaw(`${key}, id`, [column]);
    return rowsOf(await q).map(toHit);
  }
  q.where(column, '>=', prefix).where(column, '<', prefixEnd(prefix)).orderBy([column, 'id']);
  if (column !== 'name_key' && column !== 'surname_key') return rowsOf(await q).map(toHit);
  // Without statistics SQLite may walk the id order instead of the name's range.
  const index = column === 'name_key' ? NAME_KEY_INDEX : SURNAME_KEY_INDEX;
  return withIndexHint(async (hint) =>
    rowsOf(await (hint ? q.clone().from(dialectOf(q).indexed(knex, 'customers', index)) : q)).map(toHit),
  );
}

/** Escapes LIKE's wildcards so customer-typed text matches literally. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** What a substring scan found, and whether it stopped at its row budget before the end. */
export interface ScanHits {
  hits: CustomerHit[];
  /** Some customers were not looked at: there may be more matches. */
  bounded: boolean;
}

/**
 * On Postgres with pg_trgm, trigram indexes serve substring searches (see migrations.ts): they
 * need no row budget. Looked up once per connection pool.
 */
const trigramCache = new WeakMap<object, Promise<boolean>>();
function hasTrigramIndexes(knex: Knex): Promise<boolean> {
  const dialect = dialectOf(knex);
  if (dialect.name !== 'postgres') return Promise.resolve(false);
  // Keyed by the connection pool, which a transaction shares with its knex.
  const pool: unknown = knex.client;
  if (typeof pool !== 'object' || pool === null) return Promise.resolve(false);
  let known = trigramCache.get(pool);
  if (!known) {
    known = knex
      .raw<unknown>(
        "SELECT count(*) AS n FROM pg_indexes WHERE indexname IN ('customers_email_key_trgm_index', 'customers_tags_trgm_index')",
      )
      .then((r) => countOf(dialect.rawRows(r)[0]) === 2);
    trigramCache.set(pool, known);
  }
  return known;
}

/** True when there are more than `budget` customers (counted from an index, at most budget + 1). */
async function moreThan(knex: Knex, budget: number): Promise<boolean> {
  const sub = knex('customers')
    .select('id')
    .limit(budget + 1)
    .as('c');
  return countOf(await knex.from(sub).count({ n: '*' }).first()) > budget;
}

/**
 * Runs a substring scan over the first `budget` customers in the order of `column` (an index),
 * or over all of them when an index serves the test; a scan that filled no page and left
 * customers unread says so.
 */
async function scan(
  knex: Knex,
  column: 'email_key' | 'id',
  test: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
  budget: number,
  limit: number,
): Promise<ScanHits> {
  const indexed = await hasTrigramIndexes(knex);
  // Only the tested column: the address scan then reads the (email_key, id) index alone.
  const tested = column === 'id' ? 'tags' : 'email_key';
  const source = indexed
    ? 'customers'
    : knex('customers').select(['id', tested]).orderBy(column).limit(budget).as('c');
  const ids = strings(await test(knex.from(source)).orderBy(column).limit(limit).select('id'), 'id');
  const hits =
    ids.length === 0
      ? []
      : rowsOf(await knex('customers').whereIn('id', ids).orderBy(column).select(HIT_COLUMNS)).map(toHit);
  const bounded = !indexed && hits.length < limit && (await moreThan(knex, budget));
  return { hits, bounded };
}

/**
 * Customers whose address contains `part` anywhere, in address order: read from the
 * (email_key, id) index alone, at most `budget` addresses (unless a trigram index serves it).
 */
export function customersByAddressPart(
  knex: Knex,
  part: string,
  limit: number,
  budget: number,
): Promise<ScanHits> {
  const test = (q: Knex.QueryBuilder) =>
    q.whereRaw("email_key LIKE ? ESCAPE '\\'", [`%${likeLiteral(part)}%`]);
  return scan(knex, 'email_key', test, budget, limit);
}

/** Customers carrying this tag (exactly), in id order: at most `budget` customers read (unless indexed). */
export function customersWithTag(knex: Knex, tag: string, limit: number, budget: number): Promise<ScanHits> {
  const quoted = likeLiteral(JSON.stringify(tag));
  const test = (q: Knex.QueryBuilder) => q.whereRaw("tags LIKE ? ESCAPE '\\'", [`%${quoted}%`]);
  return scan(knex, 'id', test, budget, limit);
}

/** What a console search means, to read every match (an export) rather than a first page. */
export type CustomerSearch =
  | { kind: 'tag'; tag: string }
  | {
      kind: 'text';
      /** As typed (an id prefix); lower-cased for the address and name keys. */
      text: string;
      /** Name and surname prefixes too (the text has no @). */
      names: boolean;
      /** The text as a tag too (a bare word). */
      tag: boolean;
      /** Part of an address anywhere (3+ characters, no space). */
      part: boolean;
    };

/** `column` starts with `prefix`, exactly (case and wildcards as typed). */
function startsWith(q: Knex.QueryBuilder, column: string, prefix: string): Knex.QueryBuilder {
  return q.orWhereRaw('substr(??, 1, ?) = ?', [column, [...prefix].length, prefix]);
}

/**
 * Narrows `q` to the customers a search matches: the same tests as the lookups above, over every
 * customer (no budget, no page limit). Each is a scan: for exports, which read everything anyway.
 */
export function whereSearchMatches(q: Knex.QueryBuilder, s: CustomerSearch): void {
  const hasTag = (w: Knex.QueryBuilder, tag: string) =>
    w.orWhereRaw("tags LIKE ? ESCAPE '\\'", [`%${likeLiteral(JSON.stringify(tag))}%`]);
  q.where((w) => {
    if (s.kind === 'tag') {
      hasTag(w, s.tag);
      return;
    }
    const lower = s.text.toLowerCase();
    startsWith(w, 'id', s.text);
    startsWith(w, 'email_key', lower);
    if (s.names) {
      startsWith(w, 'name_key', lower);
      startsWith(w, 'surname_key', lower);
    }
    if (s.tag) hasTag(w, s.text);
    if (s.part) w.orWhereRaw("email_key LIKE ? ESCAPE '\\'", [`%${likeLiteral(lower)}%`]);
  });
}

/** Records who changed a customer by hand (after the change itself). */
export async function markUpdatedBy(knex: Knex, id: string, author: string): Promise<void> {
  await knex('customers').where('id', id).update({ updated_by: author });
}

/** Who last changed the record by hand, or null (imports do not set it). */
export async function updatedBy(knex: Knex, id: string): Promise<string | null> {
  const row = rowOf(await knex('customers').where('id', id).first('updated_by'));
  return row ? strOrNull(row, 'updated_by') : null;
}

/** Whether there are more than `n` customers, reading at most n + 1 keys of the primary index. */
export async function moreCustomersThan(knex: Knex, n: number): Promise<boolean> {
  return rowOf(await knex('customers').orderBy('id').offset(n).first('id')) !== undefined;
}
