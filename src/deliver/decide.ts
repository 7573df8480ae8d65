/**
 * The decision for one claimed delivery, in order: is it still wanted (automation, customer),
 * allowed (suppression, consent), in time (lateness), still relevant (exit condition, new
 * content), and within the frequency cap? Pure: the batch context is loaded beforehand.
 */
import type { Automation, Config } from '../config/schema.js';
import type { Customer } from '../domain.js';
import { ALL_MARKETING } from '../db/consent.js';
import type { DeliveryRow } from '../db/deliveries.js';
import { capDecision } from '../plan/cap.js';
import { exitConditionMet } from '../plan/plan.js';
import { applySendWindow } from '../plan/send-window.js';
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
  const drop = (status: 'skipped' | 'suppressed' | 'expired', reason: string): Decision => ({ kind: 'drop', status, reason });
  const customer = ctx.customers.get(row.customer_id);
  if (!automation || !automation.enabled) return drop('skipped', 'automation-removed');
  if (!customer) return drop('skipped', 'customer-deleted');
  if (ctx.suppressed.has(customer.email.toLowerCase())) return drop('suppressed', 'suppressed');
  if (!row.transactional && isOptedOut(customer, ctx.optOuts.get(customer.id), automation.id)) {
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
  return row.transactional ? { kind: 'send' } : checkCap(row, customer, ctx, config, now);
}

function checkCap(row: DeliveryRow, customer: Customer, ctx: BatchContext, config: Config, now: number): Decision {
  const cap = config.sending.frequency_cap;
  if (!cap) return { kind: 'send' };
  const sends = ctx.sends.get(customer.id) ?? [];
  const zone = customer.timezone ?? config.business.timezone;
  const window = config.sending.window;
  const intoWindow = (t: number) => (window ? applySendWindow(cache, zone, t, window) : t);
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
