/**
 * What a forecast needs from the books: the status of each planned key already stored, and
 * every customer's recent marketing sends for the frequency cap. Both are read without touching
 * a customer's other rows: the keys by the unique (automation, customer, occurrence) index, the
 * sends in one pass over the sent rows for the whole forecast. Reading every row of every
 * planned customer instead fetched all ten million rows one by one at a million customers.
 */
import type { Knex } from 'knex';
import { dialectOf } from './dialect.js';
import { num, rowsOf, str } from './read.js';
import { chunks } from './rows.js';
import { deliveryKeyText, type DeliveryKey } from '../delivery-key.js';

/** Keys per statement: three parameters each, far below either database's limit. */
const KEY_CHUNK = 500;

/** `automation\0customer\0occurrence` → status, for the keys asked about that are stored. */
export async function bookedStatuses(knex: Knex, keys: readonly DeliveryKey[]): Promise<Map<string, string>> {
  const dialect = dialectOf(knex);
  const statuses = new Map<string, string>();
  const unique = [...new Map(keys.map((k) => [deliveryKeyText(k), k])).values()];
  for (const batch of chunks(unique, KEY_CHUNK)) {
    const values = batch.map(() => '(?, ?, ?)').join(', ');
    // A small list joined to the unique index: one index look-up per key, whatever the table's size.
    const result: unknown = await knex.raw(
      `WITH k (a, c, o) AS (VALUES ${values})
       SELECT d.automation_id, d.customer_id, d.occurrence, d.status FROM k
       JOIN deliveries d ON d.automation_id = k.a AND d.customer_id = k.c AND d.occurrence = k.o`,
      batch.flatMap((k) => [k.automationId, k.customerId, k.occurrence]),
    );
    for (const r of dialect.rawRows(result)) {
      const key = { automationId: str(r, 'automation_id'), customerId: str(r, 'customer_id') };
      statuses.set(deliveryKeyText({ ...key, occurrence: str(r, 'occurrence') }), str(r, 'status'));
    }
  }
  return statuses;
}

/**
 * customer → sent_at of marketing mail sent after `since`, for every customer: one read of the
 * sent rows (the rows of one cap period are kept, so memory follows the sending volume).
 */
export async function recentMarketingSends(knex: Knex, since: number): Promise<Map<string, number[]>> {
  const sends = new Map<string, number[]>();
  const rows = rowsOf(
    await knex('deliveries')
      .where({ status: 'sent', transactional: false })
      .where('sent_at', '>', since)
      .select('customer_id', 'sent_at'),
  );
  for (const r of rows) {
    const customerId = str(r, 'customer_id');
    const at = num(r, 'sent_at');
    const list = sends.get(customerId);
    if (list) list.push(at);
    else sends.set(customerId, [at]);
  }
  return sends;
}
