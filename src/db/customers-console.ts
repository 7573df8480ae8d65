/**
 * The customers table as the staff console reads and marks it (customers.ts has the rest).
 *
 * Finding customers as a person types, at a million rows: every lookup is an index range in
 * (key, id) order with a limit — id, email_key, name_key ("first last") and surname_key by
 * prefix. Part of an address that is not its start (a surname inside it, the domain) is a
 * substring test over the (email_key, id) index alone, stopped at the limit. Tags live in a JSON
 * text column: a tag search tests it row by row in id order, stopped at the limit.
 */
import type { Knex } from 'knex';
import { isPostgres } from './rows.js';
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
  if (isPostgres(q)) {
    // The "C" collation's order is the bytes' order: a prefix is a range of its index.
    const key = '?? COLLATE "C"';
    q.whereRaw(`${key} >= ? AND ${key} < ?`, [column, prefix, column, prefixEnd(prefix)]);
    q.orderByRaw(`${key}, id`, [column]);
    return (await q) as CustomerHit[];
  }
  q.where(column, '>=', prefix).where(column, '<', prefixEnd(prefix)).orderBy([column, 'id']);
  if (column === 'name_key' || column === 'surname_key') {
    // Without statistics SQLite may walk the id order instead of the name's range.
    const index = column === 'name_key' ? NAME_KEY_INDEX : SURNAME_KEY_INDEX;
    q.from(q.client.raw('?? INDEXED BY ??', ['customers', index]));
  }
  return (await q) as CustomerHit[];
}

/** Escapes LIKE's wildcards so customer-typed text matches literally. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Customers whose address contains `part` anywhere: the ids come from the (email_key, id) index
 * alone (no row is read until the limit is reached), then those rows are read by id.
 */
export async function customersByAddressPart(
  knex: Knex,
  part: string,
  limit: number,
): Promise<CustomerHit[]> {
  const ids = knex('customers')
    .whereRaw("email_key LIKE ? ESCAPE '\\'", [`%${likeLiteral(part)}%`])
    .orderBy('email_key')
    .limit(limit)
    .select('id');
  return (await knex('customers')
    .whereIn('id', ids)
    .orderBy('email_key')
    .select(HIT_COLUMNS)) as CustomerHit[];
}

/** Customers carrying this tag (exactly), in id order. */
export async function customersWithTag(knex: Knex, tag: string, limit: number): Promise<CustomerHit[]> {
  const quoted = likeLiteral(JSON.stringify(tag));
  return (await knex('customers')
    .whereRaw("tags LIKE ? ESCAPE '\\'", [`%${quoted}%`])
    .orderBy('id')
    .limit(limit)
    .select(HIT_COLUMNS)) as CustomerHit[];
}

/** Records who changed a customer by hand (after the change itself). */
export async function markUpdatedBy(knex: Knex, id: string, author: string): Promise<void> {
  await knex('customers').where('id', id).update({ updated_by: author });
}

/** Who last changed the record by hand, or null (imports do not set it). */
export async function updatedBy(knex: Knex, id: string): Promise<string | null> {
  const row = (await knex('customers').where('id', id).first('updated_by')) as
    { updated_by: string | null } | undefined;
  return row?.updated_by ?? null;
}
