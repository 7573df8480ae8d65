/**
 * Which customers a holiday rule can concern in a planning window. The occasion's date depends
 * on the customer's country and region, so the dates are worked out once per place customers
 * are in; a zone is selected only when one of those dates is the local date of `at` there.
 * On other days a holiday rule selects nobody, so its cost follows the due set.
 */
import type { CustomerSelector } from '../db/customers.js';
import type { OccasionCalendar, Place } from '../occasions/resolve.js';
import { DEFAULT_AT } from '../plan/rules.js';
import { formatDate } from '../plan/calendar.js';
import type { TimeCache } from '../plan/time.js';
import type { PlanPolicy, TimeWindow } from '../plan/types.js';
import { datesAt, effectiveZone, type ZoneSet } from './zones.js';

const DAY = 86_400_000;

/** The dates (`YYYY-MM-DD`) the occasion falls on for any of these places in the years around the window. */
export function occasionDates(
  key: string,
  places: readonly Place[],
  window: TimeWindow,
  calendar: OccasionCalendar,
  defaultCountry: string | null,
): Set<string> {
  const first = new Date(window.from - DAY).getUTCFullYear();
  const last = new Date(window.to + DAY).getUTCFullYear();
  // Opt-in tags decide who, not when: ask as a customer who has them.
  const tags = calendar.definition(key)?.tags ?? [];
  const dates = new Set<string>();
  for (const place of places) {
    const who = { country: place.country ?? defaultCountry, region: place.region, tags };
    for (let year = first; year <= last; year++) {
      const answer = calendar.resolve(key, who, year);
      if (answer.kind === 'date') dates.add(answer.occasion.date);
    }
  }
  return dates;
}

/** Whether any of the dates lies within a day of the (long) window: then everyone is a candidate. */
export function occasionNear(dates: ReadonlySet<string>, window: TimeWindow): boolean {
  for (const date of dates) {
    const t = Date.parse(`${date}T00:00:00Z`);
    if (t + 2 * DAY > window.from && t - DAY < window.to) return true;
  }
  return false;
}

/** For a short window: the zones where `at` on one of the dates falls inside it. */
export function holidaySelector(
  at: number | undefined,
  dates: ReadonlySet<string>,
  zones: ZoneSet,
  window: TimeWindow,
  policy: PlanPolicy,
  cache: TimeCache,
): CustomerSelector | null {
  if (dates.size === 0) return null;
  const firing = zones.zones.filter((zone) =>
    datesAt(effectiveZone(zone, policy, cache), at ?? DEFAULT_AT, window, cache).some((d) =>
      dates.has(formatDate(d)),
    ),
  );
  return firing.length ? { kind: 'zoned', entries: firing.map((zone) => ({ zone, monthDays: null })) } : null;
}
