/**
 * The outreach revision: one number, bumped in the same transaction as every change to what is
 * published, so each worker notices a change by reading one row every couple of seconds.
 */
import type { Knex } from 'knex';
import { dialectOf } from './dialect.js';
import { num, rowOf } from './read.js';

export async function readRevision(knex: Knex): Promise<number> {
  const row = rowOf(await knex('outreach_revision').where('id', 1).first('n'));
  return row === undefined ? 0 : num(row, 'n');
}

/**
 * Takes the revision row's lock for the rest of the transaction: changes to outreach are then
 * made one at a time on Postgres (SQLite transactions already take the write lock first).
 */
export async function lockRevision(trx: Knex.Transaction): Promise<number> {
  const row = rowOf(await dialectOf(trx).forUpdate(trx('outreach_revision').where('id', 1).first('n')));
  return row === undefined ? 0 : num(row, 'n');
}

export async function bumpRevision(trx: Knex.Transaction, now: number): Promise<number> {
  await trx('outreach_revision')
    .where('id', 1)
    .update({ n: trx.raw('n + 1'), updated_at: now });
  return readRevision(trx);
}
