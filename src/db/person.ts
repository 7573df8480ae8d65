/**
 * Erasing one person on request: every table that names the customer or their deliveries, in
 * one transaction. Only the address's suppression is kept (the table keyed by address), so they
 * are never mailed again; its reason and log say nothing but that it was erased.
 */
import type { Knex } from 'knex';
import { num, rowsOf } from './read.js';
import { chunks, IN_CHUNK } from './rows.js';

export interface ErasedCounts {
  deliveries: number;
  messages: number;
  events: number;
  consent: number;
}

/** What is left of an erased person's suppression: no trace of why or of what was sent. */
const ERASED_REASON = 'erased on request';

/**
 * Deletes the customer row, its events, consent records, deliveries (rows deleted, not
 * anonymised: a row keeps the automation, occurrence and times, which say something about the
 * person) with their stored messages, survey answers, bounce reports and address claims; then
 * suppresses the address (`email_key`) with a neutral reason and a neutral log.
 */
export async function erasePersonRows(
  trx: Knex.Transaction,
  customerId: string,
  emailKey: string,
  by: { author: string; reason: string },
  now: number,
): Promise<ErasedCounts> {
  const ids = rowsOf(await trx('deliveries').where('customer_id', customerId).select('id')).map((r) =>
    num(r, 'id'),
  );
  let messages = 0;
  for (const batch of chunks(ids, IN_CHUNK)) {
    messages += await trx('delivery_messages').whereIn('delivery_id', batch).delete();
    await trx('survey_answers').whereIn('delivery_id', batch).delete();
    await trx('bounce_events').whereIn('delivery_id', batch).delete();
    await trx('address_claims').whereIn('delivery_id', batch).delete();
  }
  await trx('survey_responses').where('customer_id', customerId).delete();
  await trx('bounce_events').where('email', emailKey).delete();
  const deliveries = await trx('deliveries').where('customer_id', customerId).delete();
  const events = await trx('events').where('customer_id', customerId).delete();
  const consent = await trx('consent_log').where('customer_id', customerId).delete();
  await trx('opt_outs').where('customer_id', customerId).delete();
  await trx('customers').where('id', customerId).delete();
  await keepOnlySuppression(trx, emailKey, by, now);
  return { deliveries, messages, events, consent };
}

/** The suppression stays, with a neutral reason; its log keeps who erased and the reason they gave. */
async function keepOnlySuppression(
  trx: Knex.Transaction,
  emailKey: string,
  by: { author: string; reason: string },
  now: number,
): Promise<void> {
  await trx('suppression_log').where('email', emailKey).delete();
  await trx('suppressions').where('email', emailKey).delete();
  const row = { email: emailKey, source: 'operator', delivery_id: null, created_at: now };
  await trx('suppressions').insert({ ...row, reason: ERASED_REASON });
  const logged = { ...row, action: 'suppress', reason: `${ERASED_REASON}: ${by.reason}`, author: by.author };
  await trx('suppression_log').insert(logged);
}
