/**
 * One inbox, one copy, at claim time: of the claimed rows of one-per-inbox rules (schedule,
 * date), those whose record does not own its address (a record with a lower id there matches
 * the rule), or whose address another delivery already holds for that occurrence (another
 * worker, an earlier tick, a record imported after planning), are not sent.
 */
import type { Automation } from '../config/schema.js';
import type { Customer } from '../domain.js';
import type { Knex } from 'knex';
import { addressKey } from '../address.js';
import { claimAddresses, type AddressClaim } from '../db/address-claims.js';
import { othersAtAddresses } from '../db/customers.js';
import type { DeliveryRow } from '../db/deliveries.js';
import { isOnePerAddress, ownsAddress } from '../plan/shared-address.js';

/** The ids of the rows to skip as `duplicate-address`. */
export async function duplicateAddressRows(
  knex: Knex,
  automations: ReadonlyMap<string, Automation>,
  rows: readonly DeliveryRow[],
  customers: ReadonlyMap<string, Customer>,
  now: number,
): Promise<Set<number>> {
  const losers = new Set<number>();
  const mine = rows.flatMap((row) => {
    const automation = automations.get(row.automation_id);
    const customer = customers.get(row.customer_id);
    return automation && customer && isOnePerAddress(automation) ? [{ row, automation, customer }] : [];
  });
  if (mine.length === 0) return losers;
  const others = await othersAtAddresses(knex, [
    ...new Map(mine.map((m) => [m.customer.id, m.customer])).values(),
  ]);
  const claims: AddressClaim[] = [];
  for (const { row, automation, customer } of mine) {
    const key = addressKey(customer.email);
    if (!ownsAddress(automation, customer, others.get(key) ?? [])) losers.add(row.id);
    else
      claims.push({
        automationId: row.automation_id,
        occurrence: row.occurrence,
        emailKey: key,
        deliveryId: row.id,
      });
  }
  const owners = await claimAddresses(knex, claims, now);
  for (const claim of claims) if (!owners.has(claim.deliveryId)) losers.add(claim.deliveryId);
  return losers;
}
