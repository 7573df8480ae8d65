/**
 * Queries on `customers` for a broadcast's audience: subscribed, not opted out of all marketing
 * (by record or by address), not suppressed, added before the broadcast was created, with any
 * of the tags (no case) and every attribute value. Counting and paging run in the database,
 * so a million customers never load at once.
 *
 * Counting and paging a tag audience start from audience_tags, and counting everyone subscribed
 * from subscribed_counts (audience-schema.ts): neither reads every customer. An attribute is a
 * JSON field no index holds, so counting an audience with attributes still reads every customer.
 */
import type { Knex } from 'knex';
import type { Customer } from '../domain.js';
import type { Audience } from '../broadcasts/types.js';
import { AUDIENCE_TAGS, SUBSCRIBED_COUNTS } from './audience-schema.js';
import { ALL_MARKETING } from './consent.js';
import { rowToCustomer } from './customers.js';
import { chunks, IN_CHUNK } from './rows.js';
import { dialectOf, withIndexHint } from './dialect.js';
import { countOf, rowsOf, strings } from './read.js';

/** The customers table's primary key index on SQLite (the id is text, so not the rowid). */
const SQLITE_ID_INDEX = 'sqlite_autoindex_customers_1';
const CREATED_INDEX = 'customers_created_at_index';

/** The audience's tags as stored in audience_tags: lower-cased, each once. */
function lowerTags(audience: Audience): string[] {
  return [...new Set((audience.tags ?? []).map((t) => t.toLowerCase()))];
}

function filtered(
  knex: Knex,
  audience: Audience,
  addedBy: number,
  table: string | Knex.Raw = 'customers',
): Knex.QueryBuilder {
  const q = knex
    .from(table)
    .where('customers.subscribed', true)
    .where('customers.created_at', '<=', addedBy)
    .whereNotExists(
      knex('opt_outs as o')
        .where('o.scope', ALL_MARKETING)
        .where((w) => {
          w.where('o.customer_id', knex.ref('customers.id')).orWhere(
            'o.email_key',
            knex.ref('customers.email_key'),
          );
        }),
    )
    .whereNotExists(knex('suppressions as s').where('s.email', knex.ref('customers.email_key')));
  const dialect = dialectOf(knex);
  const tags = lowerTags(audience);
  if (tags.length > 0) q.whereRaw(dialect.jsonListHasLower('customers.tags', tags.length), tags);
  for (const [key, value] of Object.entries(audience.attributes ?? {})) {
    const field = dialect.jsonField('customers.attributes', key);
    q.whereRaw(`${field.sql} = ?`, [field.binding, value]);
  }
  return q;
}

/**
 * How many customers are in the audience. Without attributes: those subscribed (a kept count)
 * or tagged (index key ranges), less those among them added later, opted out or suppressed —
 * found from the opt-outs, suppressions and late additions, which are few, by lookups. One
 * statement, so both parts see the same data.
 */
export async function countAudienceRows(knex: Knex, audience: Audience, addedBy: number): Promise<number> {
  const tags = lowerTags(audience);
  // An attribute is a JSON field no index holds: every customer is read, as before. Driving it
  // from the tagged ids instead was slower at 1M (a key lookup for each tagged customer).
  if (Object.keys(audience.attributes ?? {}).length > 0)
    return countOf(await filtered(knex, audience, addedBy).count({ n: '*' }).first());
  const inside = tags.length > 0 ? taggedCount(tags) : subscribedCount(knex);
  return withIndexHint(async (hint) => {
    const outside = outsideCount(knex, tags, addedBy, hint);
    const result: unknown = await knex.raw(`SELECT ${inside.sql} - ${outside.sql} AS n`, [
      ...inside.bindings,
      ...outside.bindings,
    ]);
    return countOf(dialectOf(knex).rawRows(result)[0]);
  });
}

type Sql = { sql: string; bindings: Knex.Value[] };

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** SQLite keeps the count; Postgres counts the rows (see audience-schema.ts). */
function subscribedCount(knex: Knex): Sql {
  if (dialectOf(knex).name === 'postgres')
    return { sql: '(SELECT count(*) FROM customers WHERE subscribed = ?)', bindings: [true] };
  return { sql: `(SELECT coalesce(sum(n), 0) FROM ${SUBSCRIBED_COUNTS})`, bindings: [] };
}

/** Subscribed customers with any of the tags: each tag's key range, less those counted under an earlier tag. */
function taggedCount(tags: readonly string[]): Sql {
  const parts = tags.map((tag, i) => {
    const earlier = tags.slice(0, i);
    const sql =
      i === 0
        ? `(SELECT count(*) FROM ${AUDIENCE_TAGS} WHERE tag = ?)`
        : `(SELECT count(*) FROM ${AUDIENCE_TAGS} AS a WHERE a.tag = ? AND NOT EXISTS ` +
          `(SELECT 1 FROM ${AUDIENCE_TAGS} AS b WHERE b.customer_id = a.customer_id AND b.tag IN (${marks(i)})))`;
    return { sql, bindings: [tag, ...earlier] };
  });
  return { sql: `(${parts.map((p) => p.sql).join(' + ')})`, bindings: parts.flatMap((p) => p.bindings) };
}

/**
 * Subscribed (and tagged) customers the audience leaves out: opted out by record or address,
 * suppressed, or added after `addedBy`. Read from those few rows by key, in that order: SQLite,
 * planning without statistics, would otherwise walk every customer (CROSS JOIN keeps its order).
 */
function outsideCount(knex: Knex, tags: readonly string[], addedBy: number, hint: boolean): Sql {
  const sqlite = dialectOf(knex).name === 'sqlite';
  const join = sqlite ? 'CROSS JOIN' : 'JOIN';
  const by = (index: string) => (sqlite && hint ? ` INDEXED BY ${index}` : '');
  const tagged =
    tags.length > 0
      ? ` AND EXISTS (SELECT 1 FROM ${AUDIENCE_TAGS} AS x WHERE x.tag IN (${marks(tags.length)}) AND x.customer_id = customers.id)`
      : '';
  // UNION ALL: IN keeps each id once anyway, and a UNION would make SQLite sort every customer.
  const sql =
    `(SELECT count(*) FROM customers${by(SQLITE_ID_INDEX)} WHERE customers.subscribed = ? AND customers.id IN (` +
    `SELECT customer_id FROM opt_outs WHERE scope = ? ` +
    `UNION ALL SELECT c.id FROM opt_outs AS o ${join} customers AS c ON c.email_key = o.email_key WHERE o.scope = ? ` +
    `UNION ALL SELECT c.id FROM suppressions AS s ${join} customers AS c ON c.email_key = s.email ` +
    `UNION ALL SELECT id FROM customers${by(CREATED_INDEX)} WHERE created_at > ?)${tagged})`;
  return { sql, bindings: [true, ALL_MARKETING, ALL_MARKETING, addedBy, ...tags] };
}

/** One page of the audience in id order, after `afterId` (keyset). */
export async function audiencePage(
  knex: Knex,
  audience: Audience,
  addedBy: number,
  afterId: string | null,
  limit: number,
): Promise<Customer[]> {
  const tags = lowerTags(audience);
  if (tags.length > 0) return taggedPage(knex, audience, tags, addedBy, afterId, limit);
  // In id order from the key: SQLite otherwise ranges the created_at index and sorts every
  // customer to return the first few (a second at a million customers).
  const table = dialectOf(knex).indexed(knex, 'customers', SQLITE_ID_INDEX);
  const q = filtered(knex, audience, addedBy, table)
    .select('customers.*')
    .orderBy('customers.id')
    .limit(limit);
  if (afterId !== null) q.where('customers.id', '>', afterId);
  return rowsOf(await q).map(rowToCustomer);
}

/**
 * A tag audience's page: the tagged ids in order from audience_tags' key, a batch at a time,
 * each batch's customers then checked against the whole audience (consent, suppression, when
 * added, attributes), until the page is full or no tagged id is left.
 */
async function taggedPage(
  knex: Knex,
  audience: Audience,
  tags: readonly string[],
  addedBy: number,
  afterId: string | null,
  limit: number,
): Promise<Customer[]> {
  const batch = Math.min(IN_CHUNK, Math.max(limit, 50));
  const out: Customer[] = [];
  for (let after = afterId; ;) {
    const ids = await taggedIds(knex, tags, after, batch);
    if (ids.length === 0) return out;
    const rows: unknown = await filtered(knex, audience, addedBy)
      .whereIn('customers.id', ids)
      .select('customers.*')
      .orderBy('customers.id');
    for (const row of rowsOf(rows)) {
      out.push(rowToCustomer(row));
      if (out.length === limit) return out;
    }
    if (ids.length < batch) return out;
    after = ids.at(-1) ?? null;
  }
}

/** The first `limit` ids after `after` holding any of the tags, in id order, each tag's range read by its key. */
async function taggedIds(
  knex: Knex,
  tags: readonly string[],
  after: string | null,
  limit: number,
): Promise<string[]> {
  const range = (tag: string) => {
    const q = knex(AUDIENCE_TAGS).where('tag', tag).select('customer_id').orderBy('customer_id').limit(limit);
    return after === null ? q : q.where('customer_id', '>', after);
  };
  const [head, ...rest] = tags.map((tag, i) => knex.select('customer_id').from(range(tag).as(`t${i}`)));
  if (head === undefined) return [];
  const all = rest.length > 0 ? head.union(rest) : head;
  const rows: unknown = await knex
    .select('customer_id')
    .from(all.as('u'))
    .orderBy('customer_id')
    .limit(limit);
  return strings(rows, 'customer_id');
}

/** Which of these customer ids are in the audience. */
export async function audienceAmong(
  knex: Knex,
  audience: Audience,
  addedBy: number,
  ids: readonly string[],
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const batch of chunks([...new Set(ids)], IN_CHUNK)) {
    const rows: unknown = await filtered(knex, audience, addedBy)
      .whereIn('customers.id', batch)
      .select('customers.id');
    for (const id of strings(rows, 'id')) out.add(id);
  }
  return out;
}
