/** Queries for what came back after sending: bounce events and finding the delivery they concern. */
import type { Knex } from 'knex';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../domain.js';
import { countOf, num, oneOf, rowOf, rowsOf, str, strOrNull } from './read.js';

/** The delivery a report is about, with the address it went to. */
export interface BouncedDelivery {
  id: number;
  customerId: string;
  email: string | null;
  status: DeliveryStatus;
}

function toBounced(result: unknown): BouncedDelivery | null {
  const r = rowOf(result);
  if (!r) return null;
  return {
    id: num(r, 'id'),
    customerId: str(r, 'customer_id'),
    email: strOrNull(r, 'email'),
    status: oneOf(r, 'status', DELIVERY_STATUSES),
  };
}

function withEmail(knex: Knex) {
  return knex('deliveries as d')
    .leftJoin('customers as c', 'c.id', 'd.customer_id')
    .select('d.id', 'd.customer_id', 'd.status', 'c.email');
}

/** Statuses a message that left us can have: only these can bounce or be complained about. */
const LEFT_US: readonly DeliveryStatus[] = ['sent', 'bounced', 'complained'];

export async function deliveryById(knex: Knex, id: number): Promise<BouncedDelivery | null> {
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2 ** 31 - 1) return null;
  return toBounced(await withEmail(knex).where('d.id', id).whereIn('d.status', LEFT_US).first());
}

export async function deliveryByMessageId(knex: Knex, messageId: string): Promise<BouncedDelivery | null> {
  return toBounced(
    await withEmail(knex)
      .where('d.message_id', messageId)
      .whereIn('d.status', LEFT_US)
      .orderBy('d.id', 'desc')
      .first(),
  );
}

/** The last message sent to this address: the weakest match, for reports that quote nothing else. */
export async function lastDeliveryTo(knex: Knex, email: string): Promise<BouncedDelivery | null> {
  return toBounced(
    await withEmail(knex)
      .whereRaw('lower(c.email) = ?', [email.toLowerCase()])
      .whereIn('d.status', LEFT_US)
      .orderBy('d.sent_at', 'desc')
      .orderBy('d.id', 'desc')
      .first(),
  );
}

export interface BounceEventInput {
  fingerprint: string;
  deliveryId: number | null;
  email: string | null;
  kind: string;
  status: string | null;
  diagnostic: string | null;
  source: string;
  matchedBy: string | null;
  now: number;
}

/** Records a report once: false when one with this fingerprint is already in the books. */
export async function insertBounceEvent(knex: Knex, e: BounceEventInput): Promise<boolean> {
  const inserted = rowsOf(
    await knex('bounce_events')
      .insert({
        fingerprint: e.fingerprint.slice(0, 200),
        delivery_id: e.deliveryId,
        email: e.email?.toLowerCase() ?? null,
        kind: e.kind,
        status: e.status,
        diagnostic: e.diagnostic,
        source: e.source,
        matched_by: e.matchedBy,
        created_at: e.now,
      })
      .onConflict('fingerprint')
      .ignore()
      .returning('id'),
  );
  return inserted.length > 0;
}

/** Reports of this kind for this address since `since` (the current one included once stored). */
export async function countBounces(knex: Knex, email: string, kind: string, since: number): Promise<number> {
  return countOf(
    await knex('bounce_events')
      .where({ email: email.toLowerCase(), kind })
      .where('created_at', '>=', since)
      .count({ n: '*' })
      .first(),
  );
}

/** Marks a sent message as bounced or complained about; a complaint outranks a bounce. */
export async function markDelivery(
  knex: Knex,
  id: number,
  status: 'bounced' | 'complained',
  reason: string,
  error: string | null,
  now: number,
): Promise<boolean> {
  const from: DeliveryStatus[] = status === 'complained' ? ['sent', 'bounced'] : ['sent'];
  const n = await knex('deliveries')
    .where('id', id)
    .whereIn('status', from)
    .update({ status, reason, error, updated_at: now });
  return n > 0;
}

export async function countBounceEvents(knex: Knex): Promise<Array<{ kind: string; n: number }>> {
  const rows = rowsOf(
    await knex('bounce_events').select('kind').count({ n: '*' }).groupBy('kind').orderBy('kind'),
  );
  return rows.map((r) => ({ kind: str(r, 'kind'), n: num(r, 'n') }));
}
