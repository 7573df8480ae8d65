/**
 * What a claimed batch's broadcast rows need: their broadcasts, read after the claim (so a
 * cancel committed before it is seen), and one copy per inbox. The planner already gave each
 * address's copy to one record; the address claim makes sure of it however many workers claim.
 */
import type { Knex } from 'knex';
import type { Customer } from '../domain.js';
import { addressKey } from '../address.js';
import { claimAddresses } from '../db/address-claims.js';
import { getBroadcasts } from '../db/broadcasts.js';
import type { DeliveryRow } from '../db/deliveries.js';
import { broadcastIdOf, type Broadcast } from '../broadcasts/types.js';

export interface BroadcastBatch {
  /** By automation id (`broadcast:<id>`). */
  broadcasts: Map<string, Broadcast>;
  /** Rows whose address another delivery of the same broadcast holds. */
  duplicates: Set<number>;
}

export async function loadBroadcastBatch(
  knex: Knex,
  rows: readonly DeliveryRow[],
  customers: ReadonlyMap<string, Customer>,
  now: number,
): Promise<BroadcastBatch> {
  const mine = rows.flatMap((row) => {
    const id = broadcastIdOf(row.automation_id);
    return id === null ? [] : [{ row, id }];
  });
  const out: BroadcastBatch = { broadcasts: new Map(), duplicates: new Set() };
  if (mine.length === 0) return out;
  const found = await getBroadcasts(
    knex,
    mine.map((m) => m.id),
  );
  for (const { row, id } of mine) {
    const b = found.get(id);
    if (b) out.broadcasts.set(row.automation_id, b);
  }
  const claims = mine.flatMap(({ row: r }) => {
    const customer = customers.get(r.customer_id);
    return customer
      ? [
          {
            automationId: r.automation_id,
            occurrence: r.occurrence,
            emailKey: addressKey(customer.email),
            deliveryId: r.id,
          },
        ]
      : [];
  });
  const owners = await claimAddresses(knex, claims, now);
  for (const c of claims) if (!owners.has(c.deliveryId)) out.duplicates.add(c.deliveryId);
  return out;
}
