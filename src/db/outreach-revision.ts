/**
 * The outreach revision: one number, bumped in the same transaction as every change to what is
 * published, so each worker notices a change by reading one row every couple of seconds.
 */
import type { Knex } from 'knex';
import { isPostgres } from './rows.js';

export async function readRevision(knex: Knex): Promise<number> {
  const row = (await knex('outreach_revision').where('id', 1).first('n')) as
    { n: number | string } | undefined;
  return row === undefined ? 0 : Number(row.n);
}

/**
 * Takes the revision row's lock for the rest of the transaction: changes to outreach are then
 * made one at a time on Postgres (SQLite transactions already take the write lock first).
 */
export async function lockRevision(trx: Knex.Transaction): Promise<number> {
  const query = trx('outreach_revision').where('id', 1).first('n');
  const row = (await (isPostgres(trx) ? query.forUpdate() : query)) as { n: number | string } | undefined;
  return row === undefined ? 0 : Number(row.n);
}

export async function bumpRevision(trx: Knex.Transaction, now: number): Promise<number> {
  await trx('outreach_revision')
    .where('id', 1)
    .update({ n: trx.raw('n + 1'), updated_at: now });
  return readRevision(trx);
}
