/**
 * What a forecast needs from the books for one page of planned occurrences, in one read of
 * those customers' deliveries (by the customer index): the status of each planned key already
 * stored, and each customer's recent marketing sends for the frequency cap. Reading the rows
 * once instead of once per question halves what an upcoming forecast costs in the database.
 */
import type { Knex } from 'knex';
import { chunks, IN_CHUNK, toBool } from './rows.js';

export interface PageBooks {
  /** `automation\0customer\0occurrence` → status, for the keys asked about that are stored. */
  statuses: Map<string, string>;
  /** customer → sent_at of marketing mail sent after `since`. */
  sends: Map<string, number[]>;
}

type Key = { automationId: string; customerId: string; occurrence: string };

export const bookKey = (k: Key): string => `${k.automationId}\u0000${k.customerId}\u0000${k.occurrence}`;

export async function pageBooks(knex: Knex, keys: readonly Key[], since: number | null): Promise<PageBooks> {
  const wanted = new Set(keys.map(bookKey));
  const statuses = new Map<string, string>();
  const sends = new Map<string, number[]>();
  for (const batch of chunks([...new Set(keys.map((k) => k.customerId))], IN_CHUNK)) {
    const rows = (await knex('deliveries')
      .whereIn('customer_id', batch)
      .select('automation_id', 'customer_id', 'occurrence', 'status', 'transactional', 'sent_at')) as Array<{
      automation_id: string;
      customer_id: string;
      occurrence: string;
      status: string;
      transactional: unknown;
      sent_at: number | string | null;
    }>;
    for (const r of rows) {
      const key = `${r.automation_id}\u0000${r.customer_id}\u0000${r.occurrence}`;
      if (wanted.has(key)) statuses.set(key, r.status);
      if (since === null || r.status !== 'sent' || toBool(r.transactional) || r.sent_at === null) continue;
      const at = Number(r.sent_at);
      if (at <= since) continue;
      const list = sends.get(r.customer_id);
      if (list) list.push(at);
      else sends.set(r.customer_id, [at]);
    }
  }
  return { statuses, sends };
}
