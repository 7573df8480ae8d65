/**
 * One inbox, one copy: customer records that share an address (in any letter case) get one
 * copy of a rule that mails everyone on the same occasion — a schedule (digest) or a date
 * (holiday). The copy goes to the record with the lowest id among those the rule would mail;
 * the others' rows are `skipped` with reason `duplicate-address`. Pure: the caller loads the
 * records at each address.
 */
import type { Automation } from '../config/schema.js';
import type { Customer } from '../domain.js';
import { matchesWhere } from './plan.js';
import type { PlannedDelivery } from './types.js';

export const DUPLICATE_ADDRESS = 'duplicate-address';

/** Rules whose occurrence is the same occasion for every customer: one copy per inbox. */
export function isOnePerAddress(automation: Pick<Automation, 'on'>): boolean {
  return 'schedule' in automation.on || 'date' in automation.on;
}

/** Whether `customer` gets the address's copy: no record with a lower id there matches the rule. */
export function ownsAddress(
  automation: Pick<Automation, 'where'>,
  customer: Customer,
  atAddress: readonly Customer[],
): boolean {
  return !atAddress.some((other) => other.id < customer.id && matchesWhere(automation, other));
}

/**
 * The plan with every pending one-per-inbox row of a record that does not own its address
 * marked skipped. `atAddress(customer)` lists the other records at that customer's address.
 */
export function skipSharedAddresses(
  planned: readonly PlannedDelivery[],
  automations: ReadonlyMap<string, Automation>,
  customers: ReadonlyMap<string, Customer>,
  atAddress: (customer: Customer) => readonly Customer[],
): PlannedDelivery[] {
  return planned.map((p) => {
    const automation = automations.get(p.automationId);
    const customer = customers.get(p.customerId);
    if (p.status !== 'pending' || !automation || !customer || !isOnePerAddress(automation)) return p;
    if (ownsAddress(automation, customer, atAddress(customer))) return p;
    return { ...p, status: 'skipped', reason: DUPLICATE_ADDRESS };
  });
}
