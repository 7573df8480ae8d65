/** Small key/value facts the worker keeps between runs (last tick, planning watermarks). */
import type { Knex } from 'knex';
import { rowOf, str } from './read.js';

async function getState(knex: Knex, key: string): Promise<string | undefined> {
  const row = rowOf(await knex('worker_state').where('key', key).first('value'));
  return row && str(row, 'value');
}

export async function setState(knex: Knex, key: string, value: string, now: number): Promise<void> {
  await knex('worker_state')
    .insert({ key, value, updated_at: now })
    .onConflict('key')
    .merge({ value, updated_at: now });
}

export async function getNumberState(knex: Knex, key: string): Promise<number | undefined> {
  const v = await getState(knex, key);
  return v === undefined ? undefined : Number(v);
}
