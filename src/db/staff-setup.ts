/**
 * The one-time link that creates the first owner: only the SHA-256 of its token is stored. A new
 * link replaces any earlier one; using it deletes it.
 */
import type { Knex } from 'knex';

export async function replaceSetupToken(
  knex: Knex,
  tokenHash: string,
  now: number,
  expiresAt: number,
): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx('staff_setup').delete();
    await trx('staff_setup').insert({ token_hash: tokenHash, created_at: now, expires_at: expiresAt });
  });
}

/** True when the token is known and unexpired. */
export async function setupTokenValid(knex: Knex, tokenHash: string, now: number): Promise<boolean> {
  const row = await knex('staff_setup')
    .where({ token_hash: tokenHash })
    .andWhere('expires_at', '>', now)
    .first();
  return row !== undefined;
}

/** Deletes the token; true when this call was the one that used it (single use across workers). */
export async function consumeSetupToken(knex: Knex, tokenHash: string, now: number): Promise<boolean> {
  const deleted = await knex('staff_setup')
    .where({ token_hash: tokenHash })
    .andWhere('expires_at', '>', now)
    .delete();
  return deleted === 1;
}

export async function clearSetupTokens(knex: Knex): Promise<void> {
  await knex('staff_setup').delete();
}
