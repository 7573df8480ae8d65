/**
 * The decision for one claimed delivery, in order: is it still wanted (automation, customer),
 * allowed (suppression, consent), in time (lateness), still relevant (exit condition, new
 * content), inside the send window, and within the frequency cap? Pure: the batch context is
 * loaded beforehand. Whether mail is transactional is the automation's setting *now*, not when
 * the row was planned: an operator who makes an automation marketing mail gets consent checks,
 * the window and the cap on its pending rows too.
 */
import type { Automation, Config } from '../config/schema.js';
import type { Customer } from '../domain.js';
import { ALL_MARKETING } from '../db/consent.js';
import type { DeliveryRow } from '../db/deliveries.js';
import { capDecision } from '../plan/cap.js';
import { exitConditionMet, planPolicyFromConfig, sendWindowFor } from '../plan/plan.js';
import { TimeCache } from '../plan/time.js';
import type { BatchContext } from './context.js';

export type Decision =
  | { kind: 'send' }
  | { kind: 'drop'; status: 'skipped' | 'suppressed' | 'expired'; reason: string }
  | { kind: 'defer'; until: number; reason: string };

const cache = new TimeCache();

export function decide(
  row: DeliveryRow,
  automation: Automation | undefined,
  ctx: BatchContext,
  config: Config,
  now: number,
): Decision {
  const drop = (status: 'skipped' | 'suppressed' | 'expired', reason: string): Decision => ({
    kind: 'drop',
    status,
    reason,
  });
  const customer = ctx.customers.get(row.customer_id);
  if (!automation || !automation.enabled) return drop('skipped', 'automation-removed');
  if (!customer) return drop('skipped', 'customer-deleted');
  if (ctx.suppressed.has(customer.email.toLowerCase())) return drop('suppressed', 'suppressed');
  const transactional = automation.transactional;
  if (!transactional && isOptedOut(customer, ctx.optOuts.get(customer.id), automation.id)) {
    return drop('suppressed', 'unsubscribed');
  }
  if (now - row.due_at > config.sending.max_lateness) return drop('expired', 'expired');
  const event = row.event_id ? ctx.events.get(row.event_id) : undefined;
  const trigger = event ?? { id: null, occurred_at: row.trigger_at };
  if (automation.unless && exitConditionMet(automation, trigger, ctx.history.get(customer.id) ?? [], now)) {
    return drop('skipped', 'exit-condition');
  }
  if (automation.content === 'new' && (ctx.digests.get(row.id)?.length ?? 0) === 0) {
    return drop('skipped', 'no-new-content');
  }
  if (transactional) return { kind: 'send' };
  const intoWindow = sendWindowFor(customer, planPolicyFromConfig(config), cache);
  // Quiet hours hold at claim time too: a retry, or a row claimed late after downtime, waits
  // for the window to open (or expires, when that is past its lateness).
  const opens = intoWindow(now);
  if (opens > now) {
    if (opens - row.due_at > config.sending.max_lateness) return drop('expired', 'expired');
    return { kind: 'defer', until: opens, reason: 'send-window' };
  }
  return checkCap(row, customer, ctx, config, now, intoWindow);
}

function checkCap(
  row: DeliveryRow,
  customer: Customer,
  ctx: BatchContext,
  config: Config,
  now: number,
  intoWindow: (t: number) => number,
): Decision {
  const cap = config.sending.frequency_cap;
  if (!cap) return { kind: 'send' };
  const sends = ctx.sends.get(customer.id) ?? [];
  const decision = capDecision(sends, now, row.due_at, cap, config.sending.max_lateness, intoWindow);
  if (decision.kind === 'skip') return { kind: 'drop', status: 'skipped', reason: 'frequency-cap' };
  if (decision.kind === 'defer') return { kind: 'defer', until: decision.until, reason: 'frequency-cap' };
  // Count it now so later rows of this batch for the same customer see it.
  ctx.sends.set(customer.id, [...sends, now]);
  return { kind: 'send' };
}

function isOptedOut(customer: Customer, scopes: Set<string> | undefined, automationId: string): boolean {
  if (!customer.subscribed) return true;
  return scopes !== undefined && (scopes.has(ALL_MARKETING) || scopes.has(automationId));
}
