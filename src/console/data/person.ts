/**
 * A person's data-access request and erasure. Export: everything stored about one customer as
 * JSON. Erase: the record, events, consent history, deliveries (deleted) and message contents go;
 * the address stays suppressed under its key so it is never mailed again (db/person.ts).
 */
import type { Database } from '../../db/connect.js';
import type { Customer, CustomerEvent } from '../../domain.js';
import { getCustomer } from '../../db/customers.js';
import { allEventsOf } from '../../db/events.js';
import { consentLog, optOutsFor } from '../../db/consent.js';
import {
  getSuppression,
  suppressionHistory,
  type Suppression,
  type SuppressionLogEntry,
} from '../../db/suppressions.js';
import { deliveriesOfCustomer, type ConsoleDeliveryRow } from '../../db/deliveries-console.js';
import { getResponse } from '../../db/surveys.js';
import { getMessage } from '../../db/delivery-messages.js';
import { erasePersonRows, type ErasedCounts } from '../../db/person.js';
import { addressKey } from '../../address.js';
import { AppError } from '../../errors.js';

export interface PersonExport {
  exported_at: string;
  customer: Customer;
  events: CustomerEvent[];
  consent_log: Array<Record<string, unknown>>;
  opted_out: string[];
  suppression: Suppression | null;
  suppression_log: SuppressionLogEntry[];
  deliveries: Array<ConsoleDeliveryRow & { message: ExportedMessage | null; survey: unknown }>;
}

interface ExportedMessage {
  template: string;
  subject: string;
  sha256: string;
  /** The MIME exactly as handed to the relay. */
  mime: string;
}

export async function exportPerson(db: Database, id: string, now: number): Promise<PersonExport> {
  const k = db.knex;
  const customer = await getCustomer(k, id);
  if (!customer) throw new AppError('E_NOT_FOUND', `no customer with id "${id}"`);
  const key = addressKey(customer.email);
  const deliveries = [];
  for (const d of await deliveriesOfCustomer(k, id)) {
    const stored = d.has_message ? await getMessage(k, d.id) : undefined;
    const message = stored
      ? {
          template: stored.template,
          subject: stored.subject,
          sha256: stored.mimeSha256,
          mime: stored.mime.toString('utf8'),
        }
      : null;
    deliveries.push({ ...d, message, survey: (await getResponse(k, d.id)) ?? null });
  }
  return {
    exported_at: new Date(now).toISOString(),
    customer,
    events: await allEventsOf(k, id),
    consent_log: (await consentLog(k, id)).map((r) => ({ ...r, created_at: Number(r.created_at) })),
    opted_out: [...((await optOutsFor(k, [customer])).get(id) ?? [])].sort(),
    suppression: await getSuppression(k, key),
    suppression_log: await suppressionHistory(k, key),
    deliveries,
  };
}

export interface Erasure extends ErasedCounts {
  /** The address key that stays suppressed. */
  suppressed: string;
}

export async function erasePerson(
  db: Database,
  id: string,
  author: string,
  reason: string,
  now: number,
): Promise<Erasure> {
  const who = author.trim();
  const why = reason.trim();
  if (who === '') throw new AppError('E_USAGE', 'author: say who erases the customer');
  if (why === '') throw new AppError('E_USAGE', 'reason: say why, e.g. "erasure request of 3 May"');
  const customer = await getCustomer(db.knex, id);
  if (!customer) throw new AppError('E_NOT_FOUND', `no customer with id "${id}"`);
  const key = addressKey(customer.email);
  const counts = await db.knex.transaction((trx) =>
    erasePersonRows(trx, id, key, { author: who, reason: why }, now),
  );
  return { ...counts, suppressed: key };
}
