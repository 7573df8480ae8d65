/**
 * The planner: one customer's automations × data × window → deliveries, with the send window,
 * the exit condition and lateness applied. Pure: `now` and every record are arguments.
 */
import type { Automation, Config } from '../config/schema.js';
import type { Customer } from '../domain.js';
import { exitConditionMet } from './exit-condition.js';
import { occurrencesOf } from './rules.js';
import type { Occurrence, RuleContext } from './rules.js';
import { applyMarketingHours } from './send-window.js';
import { TimeCache, localIso } from './time.js';
import type { PlanInput, PlanPolicy, PlannedDelivery, PlannedStatus, QuietDays } from './types.js';

export { exitConditionMet } from './exit-condition.js';
export type { TriggerPoint } from './exit-condition.js';

export function planPolicyFromConfig(config: Config): PlanPolicy {
  const { window, leap_day, max_lateness } = config.sending;
  return {
    defaultZone: config.business.timezone,
    leapDay: leap_day,
    ...(window ? { sendWindow: { start: window.start, end: window.end } } : {}),
    maxLateness: max_lateness,
    ...(config.business.country ? { defaultCountry: config.business.country } : {}),
    ...(config.sending.quiet_days.length > 0 ? { quietDays: quietDaysOf(config.sending.quiet_days) } : {}),
  };
}

function quietDaysOf(days: readonly string[]): QuietDays {
  return {
    monthDays: new Set(days.filter((d) => d.length === 5)),
    dates: new Set(days.filter((d) => d.length === 10)),
  };
}

/** The customer's zone, or the business's when theirs is missing or not a zone we know. */
export function customerZone(
  customer: Pick<Customer, 'timezone'>,
  policy: PlanPolicy,
  cache: TimeCache,
): string {
  const zone = customer.timezone;
  return zone !== null && zone !== '' && cache.isValidZone(zone) ? zone : policy.defaultZone;
}

/**
 * The send window in the customer's zone, as a function that moves an instant into it (the
 * identity when there is no window): for deferrals at claim time and in forecasts alike.
 */
export function sendWindowFor(
  customer: Pick<Customer, 'timezone'>,
  policy: PlanPolicy,
  cache: TimeCache,
): (instant: number) => number {
  const { sendWindow, quietDays } = policy;
  if (!sendWindow && (!quietDays || quietDays.dates.size + quietDays.monthDays.size === 0)) return (t) => t;
  const zone = customerZone(customer, policy, cache);
  return (t) => applyMarketingHours(cache, zone, t, sendWindow, quietDays);
}

/**
 * `where`: the customer has every listed tag (compared without case, as tags are everywhere)
 * and every listed attribute value, exactly.
 */
export function matchesWhere(automation: Pick<Automation, 'where'>, customer: Customer): boolean {
  const where = automation.where;
  if (!where) return true;
  const tags = where.tags ?? [];
  if (tags.length > 0) {
    const has = new Set(customer.tags.map((tag) => tag.toLowerCase()));
    if (!tags.every((tag) => has.has(tag.toLowerCase()))) return false;
  }
  return Object.entries(where.attributes ?? {}).every(([key, value]) => customer.attributes[key] === value);
}

function status(
  input: PlanInput,
  automation: Automation,
  occurrence: Occurrence,
  dueAt: number,
): { status: PlannedStatus; reason: string | null } {
  if (exitConditionMet(automation, occurrence.trigger, input.events, input.now)) {
    return { status: 'skipped', reason: 'exit-condition' };
  }
  if (input.now - dueAt > input.policy.maxLateness) return { status: 'expired', reason: 'expired' };
  return { status: 'pending', reason: null };
}

function deliveriesOf(input: PlanInput, automation: Automation, ctx: RuleContext): PlannedDelivery[] {
  const { sendWindow, quietDays } = input.policy;
  return occurrencesOf(automation.on, ctx).map((occurrence) => {
    const dueAt = automation.transactional
      ? occurrence.triggerAt
      : applyMarketingHours(ctx.cache, ctx.zone, occurrence.triggerAt, sendWindow, quietDays);
    return {
      automationId: automation.id,
      customerId: input.customer.id,
      occurrence: occurrence.occurrence,
      triggerAt: occurrence.triggerAt,
      dueAt,
      localTime: localIso(ctx.cache, ctx.zone, dueAt),
      eventId: occurrence.eventId,
      transactional: automation.transactional,
      ...status(input, automation, occurrence, dueAt),
      ...(occurrence.occasion ? { occasion: occurrence.occasion } : {}),
    };
  });
}

/**
 * Everything one customer's automations make due in `input.window` (by nominal trigger time),
 * sorted by dueAt, then automation order, then occurrence. Pass one TimeCache per planning
 * run; without one each call starts cold.
 */
export function planCustomer(input: PlanInput, cache: TimeCache = new TimeCache()): PlannedDelivery[] {
  const zone = customerZone(input.customer, input.policy, cache);
  const ctx: RuleContext = {
    customer: input.customer,
    zone,
    events: input.events,
    window: input.window,
    policy: input.policy,
    cache,
    occasions: input.occasions,
  };
  const planned: { delivery: PlannedDelivery; order: number }[] = [];
  input.automations.forEach((automation, order) => {
    if (!automation.enabled || !matchesWhere(automation, input.customer)) return;
    for (const delivery of deliveriesOf(input, automation, ctx)) planned.push({ delivery, order });
  });
  planned.sort(
    (a, b) =>
      a.delivery.dueAt - b.delivery.dueAt ||
      a.order - b.order ||
      (a.delivery.occurrence < b.delivery.occurrence
        ? -1
        : a.delivery.occurrence > b.delivery.occurrence
          ? 1
          : 0),
  );
  return planned.map((p) => p.delivery);
}
