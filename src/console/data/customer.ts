/** One customer as the console shows them: record, events, consent history, every delivery and why. */
import type { Database } from '../../db/connect.js';
import type { Customer, CustomerEvent } from '../../domain.js';
import { getCustomer } from '../../db/customers.js';
import { updatedBy } from '../../db/customers-console.js';
import { latestEventsOf } from '../../db/events.js';
import { consentLog, optOutsFor } from '../../db/consent.js';
import { getSuppression, type Suppression } from '../../db/suppressions.js';
import { deliveriesOfCustomer, type ConsoleDeliveryRow } from '../../db/deliveries-console.js';
import { addressKey } from '../../address.js';
import { AppError } from '../../errors.js';
import { reasonInWords, statusInWords } from './reasons.js';

const EVENTS_SHOWN = 100;

export interface ConsentEntry {
  action: string;
  /** '*' for all marketing mail, or an automation id. */
  scope: string;
  source: string;
  reason: string | null;
  author: string | null;
  at: number;
}

export interface DeliveryLine extends ConsoleDeliveryRow {
  status_words: string;
  /** Why it was skipped, held or not sent, in words; null when nothing needs explaining. */
  why: string | null;
  /** The delivery id to open "view as sent" with, or null when no message was stored. */
  view_id: number | null;
}

export interface CustomerDetail {
  customer: Customer;
  updated_by: string | null;
  events: CustomerEvent[];
  event_count: number;
  consent: ConsentEntry[];
  /** Scopes the customer is opted out of now. */
  opted_out: string[];
  suppression: Suppression | null;
  deliveries: DeliveryLine[];
}

export async function customerDetail(db: Database, id: string): Promise<CustomerDetail> {
  const k = db.knex;
  const customer = await getCustomer(k, id);
  if (!customer) throw new AppError('E_NOT_FOUND', `no customer with id "${id}"`);
  const { events, total } = await latestEventsOf(k, id, EVENTS_SHOWN);
  const optOuts = await optOutsFor(k, [customer]);
  return {
    customer,
    updated_by: await updatedBy(k, id),
    events,
    event_count: total,
    consent: (await consentLog(k, id)).map(toConsentEntry),
    opted_out: [...(optOuts.get(id) ?? [])].sort(),
    suppression: await getSuppression(k, addressKey(customer.email)),
    deliveries: (await deliveriesOfCustomer(k, id)).map(toDeliveryLine),
  };
}

export function toDeliveryLine(d: ConsoleDeliveryRow): DeliveryLine {
  return {
    ...d,
    status_words: statusInWords(d.status),
    why: reasonInWords(d.reason, d.skipped_by) ?? (d.status === 'failed' ? d.error : null),
    view_id: d.has_message ? d.id : null,
  };
}

function toConsentEntry(r: Record<string, unknown>): ConsentEntry {
  return {
    action: String(r.action),
    scope: String(r.scope),
    source: String(r.source),
    reason: (r.reason as string | null) ?? null,
    author: (r.author as string | null) ?? null,
    at: Number(r.created_at),
  };
}
