/** Queries on consent: opt-outs (with their log) and suppressed addresses. */
import type { Knex } from 'knex';
import { chunks, IN_CHUNK } from './rows.js';

/** Scope '*' is every non-transactional automation; otherwise one automation's id. */
export const ALL_MARKETING = '*';

/** One change of consent: opted out of `scope`, or back in. */
export interface ConsentChange {
  scope: string;
  optedOut: boolean;
}

export interface ConsentResult {
  customerId: string;
  email: string;
  scope: string;
  /** False when it was already so. */
  changed: boolean;
}

/**
 * Applies consent changes to every customer with this address (compared case-insensitively), in
 * one transaction, each real change logged: consent belongs to the address, and two customer rows
 * that share one (a duplicate in the shop's own data) must not keep mailing it.
 */
export async function setConsent(
  knex: Knex,
  email: string,
  changes: readonly ConsentChange[],
  source: string,
  now: number,
): Promise<ConsentResult[]> {
  return knex.transaction(async (trx) => {
    const customers = (await trx('customers')
      .whereRaw('lower(email) = ?', [email.toLowerCase()])
      .orderBy('id')
      .select('id', 'email')) as Array<{ id: string; email: string }>;
    const results: ConsentResult[] = [];
    for (const c of customers) {
      for (const { scope, optedOut } of changes) {
        const changed = optedOut ? await addOptOut(trx, c.id, scope, source, now) : await liftOptOut(trx, c.id, scope);
        if (changed) {
          await trx('consent_log').insert({
            customer_id: c.id,
            email: c.email,
            action: optedOut ? 'unsubscribe' : 'resubscribe',
            scope,
            source,
            created_at: now,
          });
        }
        results.push({ customerId: c.id, email: c.email, scope, changed });
      }
    }
    return results;
  });
}

async function addOptOut(trx: Knex.Transaction, customerId: string, scope: string, source: string, now: number) {
  const inserted = (await trx('opt_outs')
    .insert({ customer_id: customerId, scope, source, created_at: now })
    .onConflict(['customer_id', 'scope'])
    .ignore()
    .returning('customer_id')) as unknown[];
  return inserted.length > 0;
}

async function liftOptOut(trx: Knex.Transaction, customerId: string, scope: string) {
  return (await trx('opt_outs').where({ customer_id: customerId, scope }).delete()) > 0;
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
