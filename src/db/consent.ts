/** Queries on consent: opt-outs (with their log) and suppressed addresses. */
import type { Knex } from 'knex';
import { addressKey } from '../address.js';
import { chunks, IN_CHUNK } from './rows.js';
import { bool, countOf, num, rowsOf, str, strings, strOrNull } from './read.js';

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

/** Who changed consent and, for an operator, why: kept in the consent log. */
export interface ConsentSource {
  source: string;
  reason?: string;
  /** The person who made the change (a console user), when one did. */
  author?: string;
}

/**
 * Applies consent changes to every customer with this address (compared case-insensitively), in
 * one transaction, each real change logged: consent belongs to the address, and two customer rows
 * that share one (a duplicate in the shop's own data) must not keep mailing it. Opt-outs carry
 * the address's key, so they also hold for a record created later in another letter case; a
 * full opt-out or its lifting also sets the records' `subscribed` flag to match.
 */
export async function setConsent(
  knex: Knex,
  email: string,
  changes: readonly ConsentChange[],
  by: string | ConsentSource,
  now: number,
): Promise<ConsentResult[]> {
  const { source, reason, author } =
    typeof by === 'string' ? { source: by, reason: undefined, author: undefined } : by;
  const key = addressKey(email);
  return knex.transaction(async (trx) => {
    const customers = rowsOf(
      await trx('customers').where('email_key', key).orderBy('id').select('id', 'email', 'subscribed'),
    ).map((r) => ({ id: str(r, 'id'), email: str(r, 'email'), subscribed: bool(r, 'subscribed') }));
    const results: ConsentResult[] = [];
    const ids = customers.map((c) => c.id);
    for (const { scope, optedOut } of changes) {
      const changedIds = optedOut
        ? await addOptOuts(trx, ids, key, scope, source, now)
        : await liftOptOuts(trx, ids, key, scope);
      if (scope === ALL_MARKETING && ids.length > 0) {
        // A record imported as not subscribed is re-subscribed too: the person asked.
        if (!optedOut) for (const c of customers) if (!c.subscribed) changedIds.add(c.id);
        await trx('customers').whereIn('id', ids).update({ subscribed: !optedOut });
      }
      for (const c of customers) {
        const changed = changedIds.has(c.id);
        if (changed) {
          await trx('consent_log').insert({
            customer_id: c.id,
            email: c.email,
            action: optedOut ? 'unsubscribe' : 'resubscribe',
            scope,
            source,
            reason: reason ?? null,
            author: author ?? null,
            created_at: now,
          });
        }
        results.push({ customerId: c.id, email: c.email, scope, changed });
      }
    }
    return results;
  });
}

/** Records the opt-out for each customer; returns those for whom it is new. */
async function addOptOuts(
  trx: Knex.Transaction,
  ids: string[],
  key: string,
  scope: string,
  source: string,
  now: number,
) {
  const already = await optOutsFor(
    trx,
    ids.map((id) => ({ id, email: key })),
  );
  const changed = new Set(ids.filter((id) => !already.get(id)?.has(scope)));
  for (const batch of chunks(ids, 100)) {
    await trx('opt_outs')
      .insert(batch.map((id) => ({ customer_id: id, email_key: key, scope, source, created_at: now })))
      .onConflict(['customer_id', 'scope'])
      .merge(['email_key']);
  }
  return changed;
}

/** Lifts the opt-out, whether recorded for these records or for the address; returns who was opted out. */
async function liftOptOuts(trx: Knex.Transaction, ids: string[], key: string, scope: string) {
  const before = await optOutsFor(
    trx,
    ids.map((id) => ({ id, email: key })),
  );
  await trx('opt_outs')
    .where('scope', scope)
    .where((w) => {
      w.where('email_key', key);
      for (const batch of chunks(ids, IN_CHUNK)) w.orWhereIn('customer_id', batch);
    })
    .delete();
  return new Set(ids.filter((id) => before.get(id)?.has(scope)));
}

/**
 * Scopes each customer opted out of: recorded for that record, or for its address in any
 * letter case (a record created after the opt-out is bound by it too).
 */
export async function optOutsFor(
  knex: Knex,
  customers: ReadonlyArray<{ id: string; email: string }>,
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const batch of chunks([...customers], IN_CHUNK)) {
    const ids = [...new Set(batch.map((c) => c.id))];
    const keys = [...new Set(batch.map((c) => addressKey(c.email)))];
    const rows = rowsOf(
      await knex('opt_outs')
        .where((w) => {
          w.whereIn('customer_id', ids).orWhereIn('email_key', keys);
        })
        .select('customer_id', 'email_key', 'scope'),
    ).map((r) => ({
      customer_id: str(r, 'customer_id'),
      email_key: strOrNull(r, 'email_key'),
      scope: str(r, 'scope'),
    }));
    const byId = groupScopes(rows, (r) => r.customer_id);
    const byKey = groupScopes(rows, (r) => r.email_key);
    for (const c of batch) {
      const scopes = new Set([...(byId.get(c.id) ?? []), ...(byKey.get(addressKey(c.email)) ?? [])]);
      if (scopes.size > 0) out.set(c.id, scopes);
    }
  }
  return out;
}

function groupScopes<R extends { scope: string }>(
  rows: readonly R[],
  keyOf: (r: R) => string | null,
): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    const key = keyOf(r);
    if (key === null) continue;
    const set = out.get(key) ?? new Set<string>();
    set.add(r.scope);
    out.set(key, set);
  }
  return out;
}

export async function consentLog(knex: Knex, customerId: string): Promise<Array<Record<string, unknown>>> {
  return rowsOf(await knex('consent_log').where('customer_id', customerId).orderBy('id'));
}

/** Which of these addresses are suppressed (compared case-insensitively). */
export async function suppressedAmong(knex: Knex, emails: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const batch of chunks([...new Set(emails.map(addressKey))], IN_CHUNK)) {
    for (const email of strings(await knex('suppressions').whereIn('email', batch).select('email'), 'email'))
      out.add(email);
  }
  return out;
}

export async function countSuppressions(knex: Knex): Promise<number> {
  return countOf(await knex('suppressions').count({ n: '*' }).first());
}

/** One line of the consent log for a change made outside setConsent (a suppression lifted). */
export async function logConsent(
  knex: Knex,
  entry: {
    customerId: string;
    email: string;
    action: string;
    source: string;
    reason: string;
    author: string;
  },
  now: number,
): Promise<void> {
  await knex('consent_log').insert({
    customer_id: entry.customerId,
    email: entry.email,
    action: entry.action,
    scope: ALL_MARKETING,
    source: entry.source,
    reason: entry.reason,
    author: entry.author,
    created_at: now,
  });
}

/** Opt-outs of all marketing mail per UTC day (epoch day number) since `since`. */
export async function unsubscribesByDay(knex: Knex, since: number): Promise<Map<number, number>> {
  const rows = rowsOf(
    await knex('consent_log')
      .where('created_at', '>=', since)
      .where('action', 'unsubscribe')
      .select({ day: knex.raw('(created_at / 86400000)') })
      .count({ n: '*' })
      .groupByRaw('(created_at / 86400000)'),
  );
  return new Map(rows.map((r) => [num(r, 'day'), num(r, 'n')]));
}
