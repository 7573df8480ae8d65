/**
 * Zone-precise candidate selection for short windows. A tick plans a minute or so of time; a
 * birthday at 09:00 is due in that minute only for customers in the zones where it is 09:00
 * right then. Selecting by (zone, month-day) makes a tick's cost follow what is actually due,
 * instead of re-planning three days of birthdays — or, for a date or schedule rule, everyone.
 */
import type { Automation } from '../config/schema.js';
import type { CustomerSelector, ZonedMonthDays } from '../db/customers.js';
import { DEFAULT_AT } from '../plan/rules.js';
import { scheduleSlots } from '../plan/schedule.js';
import { addDays, isLeapYear, type LocalDate } from '../plan/calendar.js';
import { monthDayKey } from '../db/rows.js';
import type { TimeCache } from '../plan/time.js';
import type { PlanPolicy, TimeWindow } from '../plan/types.js';

/** The zones customers are in (null: customers without one, who use the business's zone). */
export interface ZoneSet {
  zones: readonly (string | null)[];
}

/** Windows longer than this select by month-day alone (catch-up after downtime, forecasts). */
export const ZONED_MAX_WINDOW = 2 * 86_400_000;

export function effectiveZone(zone: string | null, policy: PlanPolicy, cache: TimeCache): string {
  return zone !== null && cache.isValidZone(zone) ? zone : policy.defaultZone;
}

/** Local dates in `zone` on which the local time `at` falls inside the window. */
export function datesAt(zone: string, at: number, window: TimeWindow, cache: TimeCache): LocalDate[] {
  const out: LocalDate[] = [];
  let date: LocalDate = addDays(cache.localDateTime(zone, window.from), -1);
  const last = addDays(cache.localDateTime(zone, window.to), 1);
  for (let i = 0; i < 6; i++) {
    const t = cache.resolveDate(zone, date, at);
    if (t >= window.from && t < window.to) out.push(date);
    if (date.year === last.year && date.month === last.month && date.day === last.day) break;
    date = addDays(date, 1);
  }
  return out;
}

const md = (d: LocalDate) => d.month * 100 + d.day;

/** Feb 29 is celebrated on Feb 28 (or Mar 1) in other years. */
function withLeapDay(d: LocalDate, policy: PlanPolicy): number[] {
  const leap = isLeapYear(d.year);
  const stand = policy.leapDay === 'mar1' ? 301 : 228;
  return !leap && md(d) === stand ? [md(d), 229] : [md(d)];
}

/** For a yearly rule (birthday, anniversary, date): which month-days are due now, per zone. */
export function zonedMonthDays(
  at: number | undefined,
  zones: ZoneSet,
  window: TimeWindow,
  policy: PlanPolicy,
  cache: TimeCache,
): ZonedMonthDays[] {
  const out: ZonedMonthDays[] = [];
  for (const zone of zones.zones) {
    const dates = datesAt(effectiveZone(zone, policy, cache), at ?? DEFAULT_AT, window, cache);
    const monthDays = [...new Set(dates.flatMap((d) => withLeapDay(d, policy)))];
    if (monthDays.length > 0) out.push({ zone, monthDays });
  }
  return out;
}

/** Customers due under a yearly or schedule rule in this (short) window. */
export function zonedSelector(
  automation: Automation,
  column: 'birth_md' | 'since_md' | null,
  zones: ZoneSet,
  window: TimeWindow,
  policy: PlanPolicy,
  cache: TimeCache,
): CustomerSelector | null {
  const on = automation.on;
  if ('schedule' in on) {
    const firing = zones.zones.filter(
      (z) => scheduleSlots(on.schedule, effectiveZone(z, policy, cache), window, cache).length > 0,
    );
    return firing.length
      ? { kind: 'zoned', entries: firing.map((zone) => ({ zone, monthDays: null })) }
      : null;
  }
  const at = 'at' in on ? on.at : undefined;
  const entries = zonedMonthDays(at, zones, window, policy, cache);
  if ('date' in on) {
    const wanted = monthDayKey(on.date) as number; // validated by the config schema
    const firing = entries.filter((e) => e.monthDays?.includes(wanted));
    return firing.length
      ? { kind: 'zoned', entries: firing.map((e) => ({ zone: e.zone, monthDays: null })) }
      : null;
  }
  return entries.length && column ? { kind: 'zoned', column, entries } : null;
}
