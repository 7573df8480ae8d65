/**
 * The decision for one claimed broadcast delivery. Like an automation's (decide.ts), with two
 * differences: a cancelled broadcast sends nothing more, and consent always holds — a
 * transactional broadcast skips the send window and the frequency cap, never an opt-out.
 * Pure: the batch context, the broadcast included, is loaded after the claim.
 */
import type { Config } from '../config/schema.js';
import { addressKey } from '../address.js';
import type { DeliveryRow } from '../db/deliveries.js';
import { DUPLICATE_ADDRESS } from '../plan/shared-address.js';
import { BROADCAST_CANCELLED, type Broadcast } from '../broadcasts/types.js';
import type { BatchContext } from './context.js';
import { isOptedOut, timing, type Decision } from './decide.js';

export function decideBroadcast(
  row: DeliveryRow,
  broadcast: Broadcast | undefined,
  ctx: BatchContext,
  config: Config,
  now: number,
): Decision {
  const drop = (status: 'skipped' | 'suppressed' | 'expired', reason: string): Decision => ({
    kind: 'drop',
    status,
    reason,
  });
  if (!broadcast) return drop('skipped', 'automation-removed');
  if (broadcast.status === 'cancelled') return drop('skipped', BROADCAST_CANCELLED);
  const customer = ctx.customers.get(row.customer_id);
  if (!customer) return drop('skipped', 'customer-deleted');
  if (ctx.suppressed.has(addressKey(customer.email))) return drop('suppressed', 'suppressed');
  if (isOptedOut(customer, ctx.optOuts.get(customer.id), row.automation_id)) {
    return drop('suppressed', 'unsubscribed');
  }
  if (ctx.duplicateAddress.has(row.id)) return drop('skipped', DUPLICATE_ADDRESS);
  if (now - row.due_at > config.sending.max_lateness) return drop('expired', 'expired');
  if (broadcast.transactional) return { kind: 'send' };
  if (ctx.surveys.held.has(customer.id)) return drop('skipped', 'survey-hold');
  return timing(row, customer, ctx, config, now);
}
