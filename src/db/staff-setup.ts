/**
 * The one-time links that create the first owner: only the SHA-256 of a token is stored. Using a
 * link deletes it; creating any user deletes them all.
 */
import type { Knex } from 'knex';
import { rowOf } from './read.js';

/**
 * Stores a new token beside any unexpired one: several workers starting at once each print a
 * link, and each must work. Expired tokens are dropped here.
 */
export async function insertSetupToken(
  knex: Knex,
  tokenHash: string,
  now: number,
  expiresAt: number,
): Promise<void> {
  await knex('staff_setup').where('expires_at', '<=', now).delete();
  await knex('staff_setup').insert({ token_hash: tokenHash, created_at: now, expires_at: expiresAt });
}

/** True when the token is known and unexpired. */
export async function setupTokenValid(knex: Knex, tokenHash: string, now: number): Promise<boolean> {
  const row = rowOf(
    await knex('staff_setup').where({ token_hash: tokenHash }).andWhere('expires_at', '>', now).first(),
  );
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
