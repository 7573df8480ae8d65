/**
 * Suppressed addresses, explained: why, from where (an SMTP reply, a DSN, a complaint, an
 * operator), the delivery that caused it and when; every suppression and every lift is logged.
 * Addresses are stored in lower case.
 */
import type { Knex } from 'knex';
import { num, numOrNull, oneOf, rowOf, rowsOf, str, type Row } from './read.js';

const LOG_ACTIONS = ['suppress', 'lift'] as const;

/** Where a suppression came from. */
export type SuppressionSource = 'smtp-reply' | 'dsn' | 'complaint' | 'operator';

export interface SuppressionInput {
  email: string;
  reason: string;
  source: SuppressionSource;
  deliveryId?: number | null;
  /** The person who suppressed it (a console user), when one did. */
  author?: string;
  now: number;
}

export interface Suppression {
  email: string;
  reason: string;
  source: string;
  delivery_id: number | null;
  created_at: number;
}

export interface SuppressionLogEntry extends Suppression {
  action: 'suppress' | 'lift';
}

/** Suppresses the address unless it already is; true when it was new. */
export async function addSuppression(knex: Knex, s: SuppressionInput): Promise<boolean> {
  const email = s.email.toLowerCase();
  const deliveryId = s.deliveryId ?? null;
  const inserted = rowsOf(
    await knex('suppressions')
      .insert({ email, reason: s.reason, source: s.source, delivery_id: deliveryId, created_at: s.now })
      .onConflict('email')
      .ignore()
      .returning('email'),
  );
  if (inserted.length === 0) return false;
  await knex('suppression_log').insert({
    email,
    action: 'suppress',
    reason: s.reason,
    source: s.source,
    delivery_id: deliveryId,
    ...(s.author === undefined ? {} : { author: s.author }),
    created_at: s.now,
  });
  return true;
}

/** Lifts a suppression, logging who asked and why; false when the address was not suppressed. */
export async function liftSuppression(
  knex: Knex,
  email: string,
  reason: string,
  now: number,
  author?: string,
): Promise<boolean> {
  const address = email.toLowerCase();
  return knex.transaction(async (trx) => {
    const removed = await trx('suppressions').where('email', address).delete();
    if (removed === 0) return false;
    await trx('suppression_log').insert({
      email: address,
      action: 'lift',
      reason,
      source: 'operator',
      ...(author === undefined ? {} : { author }),
      created_at: now,
    });
    return true;
  });
}

function toSuppression(r: Row): Suppression {
  return {
    email: str(r, 'email'),
    reason: str(r, 'reason'),
    source: str(r, 'source'),
    delivery_id: numOrNull(r, 'delivery_id'),
    created_at: num(r, 'created_at'),
  };
}

/** Current suppressions in address order, keyset-paged; `contains` keeps addresses containing it. */
export async function listSuppressions(
  knex: Knex,
  o: { afterEmail?: string; limit: number; contains?: string },
): Promise<Suppression[]> {
  const q = knex('suppressions').orderBy('email').limit(o.limit);
  if (o.afterEmail !== undefined) q.where('email', '>', o.afterEmail);
  // Suppressions are few beside customers: a pattern test while walking the address order.
  if (o.contains) {
    const literal = o.contains.replace(/[\\%_]/g, (c) => `\\${c}`);
    q.whereRaw("email LIKE ? ESCAPE '\\'", [`%${literal}%`]);
  }
  return rowsOf(await q).map(toSuppression);
}

export async function getSuppression(knex: Knex, email: string): Promise<Suppression | null> {
  const row = rowOf(await knex('suppressions').where('email', email.toLowerCase()).first());
  return row ? toSuppression(row) : null;
}

/** Every suppression and lift of this address, oldest first. */
export async function suppressionHistory(knex: Knex, email: string): Promise<SuppressionLogEntry[]> {
  const rows = rowsOf(await knex('suppression_log').where('email', email.toLowerCase()).orderBy('id'));
  return rows.map((r) => ({ ...toSuppression(r), action: oneOf(r, 'action', LOG_ACTIONS) }));
}
