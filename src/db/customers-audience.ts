/**
 * Queries on `customers` for a broadcast's audience: subscribed, not opted out of all marketing
 * (by record or by address), not suppressed, added before the broadcast was created, with any
 * of the tags (no case) and every attribute value. Counting and paging run in the database,
 * so a million customers never load at once.
 */
import type { Knex } from 'knex';
import type { Customer } from '../domain.js';
import type { Audience } from '../broadcasts/types.js';
import { ALL_MARKETING } from './consent.js';
import { rowToCustomer } from './customers.js';
import { chunks, IN_CHUNK } from './rows.js';
import { dialectOf } from './dialect.js';
import { countOf, rowsOf, strings } from './read.js';

/** The customers table's primary key index on SQLite (the id is text, so not the rowid). */
const SQLITE_ID_INDEX = 'sqlite_autoindex_customers_1';

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
  const tags = (audience.tags ?? []).map((t) => t.toLowerCase());
  if (tags.length > 0) q.whereRaw(dialect.jsonListHasLower('customers.tags', tags.length), tags);
  for (const [key, value] of Object.entries(audience.attributes ?? {})) {
    const field = dialect.jsonField('customers.attributes', key);
    q.whereRaw(`${field.sql} = ?`, [field.binding, value]);
  }
  return q;
}

/** How many customers are in the audience. */
export async function countAudienceRows(knex: Knex, audience: Audience, addedBy: number): Promise<number> {
  return countOf(await filtered(knex, audience, addedBy).count({ n: '*' }).first());
}

/** One page of the audience in id order, after `afterId` (keyset). */
export async function audiencePage(
  knex: Knex,
  audience: Audience,
  addedBy: number,
  afterId: string | null,
  limit: number,
): Promise<Customer[]> {
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
