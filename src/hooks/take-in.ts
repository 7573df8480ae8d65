/**
 * Storing what a webhook brought: the customer (found by email address, or added), then the
 * purchase, validated exactly as imported rows are, and planned at once as the API does.
 */
import { createHash } from 'node:crypto';
import { addressKey } from '../address.js';
import { claimWebhookDelivery, releaseWebhookDelivery } from '../db/webhook-deliveries.js';
import { importStore } from '../import/db-store.js';
import { formatRowError } from '../import/format.js';
import type { ImportKind } from '../import/types.js';
import { planCustomersNow, storeRecords as storeChecked, type IngestDeps } from '../usecases/ingest.js';
import type { Reading, ShopCustomer, ShopPurchase } from './intake.js';

export type TakeInDeps = IngestDeps;

/** What the hook answers: a status and a JSON body, whatever server carries it. */
export interface HookResult {
  status: number;
  body: Record<string, unknown>;
}

export class RecordsRefused extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** Validates and stores records of one kind; refuses them all on any problem. */
export async function storeRecords(
  deps: TakeInDeps,
  kind: ImportKind,
  records: Record<string, unknown>[],
): Promise<string[]> {
  const stored = await storeChecked(deps, kind, records);
  if (!stored.ok) throw new RecordsRefused(stored.errors.map(formatRowError));
  return stored.customerIds;
}

/**
 * The id of the customer with this address. A known address keeps its stored record as it is
 * (the shop's copy may be older, and consent is changed only by the customer); a new one is
 * added under its lower-cased address, as a file without an id column would be.
 */
async function customerId(deps: TakeInDeps, customer: ShopCustomer): Promise<string> {
  const address = customer.email.toLowerCase();
  const key = addressKey(customer.email);
  const known = (await importStore(deps.db).customersAtAddresses([key])).get(key);
  const [existing] = known ?? [];
  if (existing !== undefined) return existing;
  const record: Record<string, unknown> = { id: address, email: customer.email };
  if (customer.first_name) record.first_name = customer.first_name;
  if (customer.last_name) record.last_name = customer.last_name;
  if (customer.subscribed !== undefined) record.subscribed = customer.subscribed;
  await storeRecords(deps, 'customers', [record]);
  return address;
}

function purchaseRecord(purchase: ShopPurchase, customer: string): Record<string, unknown> {
  return {
    id: purchase.id,
    customer_id: customer,
    type: 'purchase',
    occurred_at: new Date(purchase.occurred_at).toISOString(),
    total: purchase.total,
    currency: purchase.currency,
    items: purchase.items,
    ...(purchase.order ? { order: purchase.order } : {}),
  };
}

/** Stores a reading's customer and purchase and plans them; the ids of what was stored. */
export async function takeIn(
  deps: TakeInDeps,
  reading: Extract<Reading, { kind: 'intake' }>,
): Promise<HookResult> {
  const id = await customerId(deps, reading.customer);
  if (reading.purchase) await storeRecords(deps, 'events', [purchaseRecord(reading.purchase, id)]);
  const planned = await planCustomersNow(deps, [id]);
  return {
    status: 200,
    body: {
      customer_id: id,
      ...(reading.purchase ? { event_id: reading.purchase.id } : {}),
      planned,
    },
  };
}

/** The delivery id the platform gave, or the body's digest when it gave none. */
export function deliveryKey(given: string | null | undefined, body: Buffer): string {
  return given && given.length <= 200 ? given : `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/**
 * Runs `work` once per (source, delivery id): a redelivery answers 200 and changes nothing.
 * A failure (the database, say) forgets the delivery again, so the platform's retry is taken
 * in. Records our checks refuse are answered 200 all the same: a retry would bring the same
 * records, and platforms switch off endpoints that keep failing.
 */
export async function once(
  deps: TakeInDeps,
  source: string,
  delivery: string,
  work: () => Promise<HookResult>,
): Promise<HookResult> {
  if (!(await claimWebhookDelivery(deps.db.knex, source, delivery, deps.now()))) {
    return { status: 200, body: { duplicate: true, delivery } };
  }
  try {
    const result = await work();
    // A request refused as a whole may be corrected and sent again under the same id.
    if (result.status >= 400) await releaseWebhookDelivery(deps.db.knex, source, delivery);
    return result;
  } catch (error) {
    if (error instanceof RecordsRefused)
      return { status: 200, body: { refused: true, errors: error.problems } };
    await releaseWebhookDelivery(deps.db.knex, source, delivery);
    throw error;
  }
}
