/** Queries on consent: opt-outs (with their log) and suppressed addresses. */
import type { Knex } from 'knex';
import { chunks, IN_CHUNK } from './rows.js';

/** Scope '*' is every non-transactional automation; otherwise one automation's id. */
export const ALL_MARKETING = '*';

export interface OptOut {
  customerId: string;
  email: string;
  scope: string;
  source: string;
}

/** Record an opt-out; returns false when it was already recorded. */
export async function recordOptOut(knex: Knex, o: OptOut, now: number): Promise<boolean> {
  return knex.transaction(async (trx) => {
    const inserted = (await trx('opt_outs')
      .insert({ customer_id: o.customerId, scope: o.scope, source: o.source, created_at: now })
      .onConflict(['customer_id', 'scope'])
      .ignore()
      .returning('customer_id')) as unknown[];
    if (inserted.length === 0) return false;
    await trx('consent_log').insert({
      customer_id: o.customerId,
      email: o.email,
      action: 'unsubscribe',
      scope: o.scope,
      source: o.source,
      created_at: now,
    });
    return true;
  });
}

/** Lift an opt-out (a customer re-subscribing); logged like an opt-out. */
export async function removeOptOut(knex: Knex, o: OptOut, now: number): Promise<boolean> {
  return knex.transaction(async (trx) => {
    const removed = await trx('opt_outs').where({ customer_id: o.customerId, scope: o.scope }).delete();
    if (removed === 0) return false;
    await trx('consent_log').insert({
      customer_id: o.customerId,
      email: o.email,
      action: 'resubscribe',
      scope: o.scope,
      source: o.source,
      created_at: now,
    });
    return true;
  });
}

/** Scopes each customer opted out of. */
export async function optOutsFor(knex: Knex, customerIds: readonly string[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const batch of chunks([...new Set(customerIds)], IN_CHUNK)) {
    const rows = (await knex('opt_outs').whereIn('customer_id', batch).select('customer_id', 'scope')) as Array<{
      customer_id: string;
      scope: string;
    }>;
    for (const r of rows) {
      const set = out.get(r.customer_id) ?? new Set<string>();
      set.add(r.scope);
      out.set(r.customer_id, set);
    }
  }
  return out;
}

export async function consentLog(knex: Knex, customerId: string): Promise<Array<Record<string, unknown>>> {
  return knex('consent_log').where('customer_id', customerId).orderBy('id');
}

export async function suppress(knex: Knex, email: string, reason: string, source: string, now: number): Promise<boolean> {
  const inserted = (await knex('suppressions')
    .insert({ email: email.toLowerCase(), reason, source, created_at: now })
    .onConflict('email')
    .ignore()
    .returning('email')) as unknown[];
  return inserted.length > 0;
}

export async function unsuppress(knex: Knex, email: string): Promise<boolean> {
  return (await knex('suppressions').where('email', email.toLowerCase()).delete()) > 0;
}

/** Which of these addresses are suppressed (compared case-insensitively). */
export async function suppressedAmong(knex: Knex, emails: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const batch of chunks([...new Set(emails.map((e) => e.toLowerCase()))], IN_CHUNK)) {
    const rows = (await knex('suppressions').whereIn('email', batch).select('email')) as Array<{ email: string }>;
    for (const r of rows) out.add(r.email);
  }
  return out;
}

export async function countSuppressions(knex: Knex): Promise<number> {
  const row = (await knex('suppressions').count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}
