/**
 * The `unless` exit condition. Pure, so the planner and the delivery worker (at claim time)
 * ask the same question and get the same answer.
 */
import type { Automation } from '../config/schema.js';
import type { CustomerEvent } from '../domain.js';

/**
 * What an exit condition is measured from: the triggering event for `event`/`count` rules;
 * for every other rule the nominal trigger time (`PlannedDelivery.triggerAt`) with id null.
 */
export interface TriggerPoint {
  id: string | null;
  occurred_at: number;
}

/**
 * True when an event of type `unless.event`, other than the trigger itself, occurred strictly
 * after the trigger, no later than `within` after it, and no later than `now`.
 */
export function exitConditionMet(
  automation: Pick<Automation, 'unless'>,
  trigger: TriggerPoint,
  events: readonly Pick<CustomerEvent, 'id' | 'type' | 'occurred_at'>[],
  now: number,
): boolean {
  const unless = automation.unless;
  if (!unless) return false;
  const until = Math.min(trigger.occurred_at + unless.within, now);
  return events.some(
    (e) =>
      e.type === unless.event &&
      e.id !== trigger.id &&
      e.occurred_at > trigger.occurred_at &&
      e.occurred_at <= until,
  );
}
