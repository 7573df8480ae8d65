/**
 * Finding a customer by what staff remember of them (an id, the start of an address, part of a
 * name), for pickers. The indexed lookups run first; the substring scan stops at `limit` hits.
 */
import type { Knex } from 'knex';
import type { Customer } from '../domain.js';
import { dialectOf } from './dialect.js';
import { rowOf, rowsOf, str, strOrNull, type Row } from './read.js';

const COLUMNS = ['id', 'email', 'first_name', 'last_name'] as const;

export type CustomerMatch = Pick<Customer, (typeof COLUMNS)[number]>;

/** Customers whose id is `query`, whose address starts with it, or whose name or address contains it. */
export async function searchCustomers(knex: Knex, query: string, limit: number): Promise<CustomerMatch[]> {
  const q = query.trim().toLowerCase();
  if (q === '' || limit <= 0) return [];
  const found = new Map<string, CustomerMatch>();
  const add = (result: unknown) => {
    for (const match of rowsOf(result).map(pick))
      if (found.size < limit && !found.has(match.id)) found.set(match.id, match);
  };
  add(await knex('customers').select(COLUMNS).where('id', query.trim()).limit(1));
  // A range on the indexed lower-case address: the start of an address, at any table size.
  add(
    await knex('customers')
      .select(COLUMNS)
      .where('email_key', '>=', q)
      .andWhere('email_key', '<', successor(q))
      .orderBy('email_key')
      .limit(limit),
  );
  if (found.size >= limit) return [...found.values()];
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const like = dialectOf(knex).likeInsensitive;
  const rows: unknown = await knex('customers')
    .select(COLUMNS)
    .where((w) => {
      for (const column of ['first_name', 'last_name', 'email_key'])
        w.orWhereRaw(`?? ${like} ? escape '\\'`, [column, pattern]);
      w.orWhereRaw(`(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) ${like} ? escape '\\'`, [
        pattern,
      ]);
    })
    .limit(limit);
  add(rows);
  return [...found.values()];
}

/** The smallest string after every string that starts with `prefix`. */
function successor(prefix: string): string {
  const last = prefix.codePointAt(prefix.length - 1) ?? 0;
  return prefix.slice(0, -1) + String.fromCodePoint(last + 1);
}

function pick(row: Row): CustomerMatch {
  return {
    id: str(row, 'id'),
    email: str(row, 'email'),
    first_name: strOrNull(row, 'first_name'),
    last_name: strOrNull(row, 'last_name'),
  };
}

/**
 * A customer to show a template with when staff named none: for an event-triggered template,
 * whoever had the latest such event (so the preview has a real one); else the first by id.
 */
export async function sampleCustomerId(knex: Knex, eventType?: string): Promise<string | undefined> {
  if (eventType !== undefined) {
    const row = rowOf(
      await knex('events')
        .select('customer_id')
        .where('type', eventType)
        .orderBy('occurred_at', 'desc')
        .first(),
    );
    if (row) return str(row, 'customer_id');
  }
  const row = rowOf(await knex('customers').select('id').orderBy('id').first());
  return row && str(row, 'id');
}
