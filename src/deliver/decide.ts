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
import { addressKey } from '../address.js';
import { ALL_MARKETING } from '../db/consent.js';
import type { DeliveryRow } from '../db/deliveries.js';
import { DUPLICATE_ADDRESS } from '../plan/shared-address.js';
import { capDecision } from '../plan/cap.js';
import { exitConditionMet, planPolicyFromConfig, sendWindowFor } from '../plan/plan.js';
import { TimeCache } from '../plan/time.js';
import type { BatchContext } from './context.js';
import { alertDecision } from '../surveys/alert.js';
import { SURVEY_ALERT_AUTOMATION } from '../surveys/record.js';

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
  if (row.automation_id === SURVEY_ALERT_AUTOMATION)
    return alertDecision(row, ctx.customers, ctx.events, config);
  const customer = ctx.customers.get(row.customer_id);
  if (!automation) return drop('skipped', 'automation-removed');
  // Only rows not yet claimed get here: a disabled automation's claimed messages were already decided.
  if (!automation.enabled) return drop('skipped', 'automation-disabled');
  if (!customer) return drop('skipped', 'customer-deleted');
  if (ctx.suppressed.has(addressKey(customer.email))) return drop('suppressed', 'suppressed');
  const transactional = automation.transactional;
  if (!transactional && isOptedOut(customer, ctx.optOuts.get(customer.id), automation.id)) {
    return drop('suppressed', 'unsubscribed');
  }
  if (ctx.duplicateAddress.has(row.id)) return drop('skipped', DUPLICATE_ADDRESS);
  if (now - row.due_at > config.sending.max_lateness) return drop('expired', 'expired');
  const event = row.event_id ? ctx.events.get(row.event_id) : undefined;
  const trigger = event ?? { id: null, occurred_at: row.trigger_at };
  if (automation.unless && exitConditionMet(automation, trigger, ctx.history.get(customer.id) ?? [], now)) {
    return drop('skipped', 'exit-condition');
  }
  if (automation.content === 'new' && (ctx.digests.get(row.id)?.length ?? 0) === 0) {
    return drop('skipped', 'no-new-content');
  }
  const survey = surveyDecision(automation, customer.id, ctx.surveys);
  if (survey) return survey;
  const decision = transactional ? ({ kind: 'send' } as const) : timing(row, customer, ctx, config, now);
  // A survey that goes counts at once for later rows of this batch.
  if (automation.survey && decision.kind === 'send') ctx.surveys.invited.set(customer.id, now);
  return decision;
}

/** Quiet hours, then the frequency cap. */
export function timing(
  row: DeliveryRow,
  customer: Customer,
  ctx: BatchContext,
  config: Config,
  now: number,
): Decision {
  const intoWindow = sendWindowFor(customer, planPolicyFromConfig(config), cache);
  // Quiet hours hold at claim time too: a retry, or a row claimed late after downtime, waits
  // for the window to open (or expires, when that is past its lateness).
  const opens = intoWindow(now);
  if (opens > now) {
    if (opens - row.due_at > config.sending.max_lateness)
      return { kind: 'drop', status: 'expired', reason: 'expired' };
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

/**
 * A survey invitation to a customer invited within `surveys.throttle` is skipped; marketing to a
 * customer who answered low within `surveys.hold_marketing` is held (skipped), except what the
 * low answer itself triggered.
 */
function surveyDecision(
  automation: Automation,
  customerId: string,
  surveys: BatchContext['surveys'],
): Decision | null {
  if (!automation.transactional && !('survey' in automation.on) && surveys.held.has(customerId)) {
    return { kind: 'drop', status: 'skipped', reason: 'survey-hold' };
  }
  if (automation.survey && surveys.invited.has(customerId)) {
    return { kind: 'drop', status: 'skipped', reason: 'survey-throttled' };
  }
  return null;
}

export function isOptedOut(
  customer: Customer,
  scopes: Set<string> | undefined,
  automationId: string,
): boolean {
  if (!customer.subscribed) return true;
  return scopes !== undefined && (scopes.has(ALL_MARKETING) || scopes.has(automationId));
}
