/** One inbox, one copy, in the planner: marks the rows of records that do not own their address. */
import type { Automation } from '../config/schema.js';
import type { Customer } from '../domain.js';
import type { Database } from '../db/connect.js';
import { othersAtAddresses } from '../db/customers.js';
import { addressKey } from '../address.js';
import { isOnePerAddress, skipSharedAddresses } from '../plan/shared-address.js';
import type { PlannedDelivery } from '../plan/types.js';

/**
 * `shared`: the address keys more than one record has (sharedAddressKeys), when the caller read
 * them for the whole run; only the page's customers at one of those are then looked up.
 */
export async function markSharedAddresses(
  db: Database,
  automations: readonly Automation[],
  planned: PlannedDelivery[],
  customers: readonly Customer[],
  shared: ReadonlySet<string> | null = null,
): Promise<PlannedDelivery[]> {
  const byId = new Map(automations.map((a) => [a.id, a]));
  const concerned = planned.some((p) => {
    const automation = byId.get(p.automationId);
    return p.status === 'pending' && automation !== undefined && isOnePerAddress(automation);
  });
  if (!concerned) return planned;
  const sharing = shared ? customers.filter((c) => shared.has(addressKey(c.email))) : customers;
  if (sharing.length === 0) return planned;
  const others = await othersAtAddresses(db.knex, sharing);
  if (others.size === 0) return planned;
  const records = new Map(customers.map((c) => [c.id, c]));
  return skipSharedAddresses(planned, byId, records, (c) => others.get(addressKey(c.email)) ?? []);
}
