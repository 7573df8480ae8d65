/**
 * Failed console sign-ins, by account (lower-case email) and by client address, so every worker
 * counts the same failures. Rows older than the window are pruned as new ones arrive.
 */
import type { Knex } from 'knex';
import { num, numOrNull, rowOf } from './read.js';

export type AttemptKind = 'account' | 'address';

export interface AttemptWindow {
  count: number;
  /** The oldest failure still inside the window, or null when there is none. */
  oldest: number | null;
}

export async function recentFailures(
  knex: Knex,
  kind: AttemptKind,
  key: string,
  since: number,
): Promise<AttemptWindow> {
  const row = rowOf(
    await knex('staff_login_attempts')
      .where({ kind, key })
      .andWhere('at', '>', since)
      .count({ n: '*' })
      .min({ oldest: 'at' })
      .first(),
  );
  return { count: row ? num(row, 'n') : 0, oldest: row ? numOrNull(row, 'oldest') : null };
}

export async function recordFailure(
  knex: Knex,
  attempts: Array<{ kind: AttemptKind; key: string }>,
  now: number,
  windowMs: number,
): Promise<void> {
  await knex.transaction(async (trx) => {
    for (const a of attempts) {
      await trx('staff_login_attempts')
        .where({ kind: a.kind, key: a.key })
        .andWhere('at', '<=', now - windowMs)
        .delete();
      await trx('staff_login_attempts').insert({ kind: a.kind, key: a.key, at: now });
    }
  });
}

/** A successful sign-in clears the account's failures (not the address's). */
export async function clearFailures(knex: Knex, kind: AttemptKind, key: string): Promise<void> {
  await knex('staff_login_attempts').where({ kind, key }).delete();
}
