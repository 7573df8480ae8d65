/**
 * `on: { holiday: KEY, at }`: `at` on the occasion's local date, in each year the window can
 * touch, once per local year (the occurrence key is the year, as for `date` rules).
 */
import type { OccasionCalendar, OccasionCustomer, OccasionDate } from '../occasions/resolve.js';
import type { Customer } from '../domain.js';
import { DAY_MS, naiveOf } from './calendar.js';
import type { TimeCache } from './time.js';
import type { TimeWindow } from './types.js';

export interface HolidayOccurrence {
  year: number;
  triggerAt: number;
  occasion: OccasionDate;
}

/** Where and who the customer is, for occasions: their country, or the business's. */
export function occasionCustomer(customer: Customer, defaultCountry: string | null): OccasionCustomer {
  const country = customer.country ?? defaultCountry;
  return { country, region: customer.region ?? null, tags: customer.tags };
}

export function holidayOccurrences(
  key: string,
  at: number,
  who: OccasionCustomer,
  zone: string,
  window: TimeWindow,
  calendar: OccasionCalendar,
  cache: TimeCache,
): HolidayOccurrence[] {
  // One year of margin each side: a moved time can cross New Year.
  const fromYear = cache.localDateTime(zone, window.from).year - 1;
  const toYear = cache.localDateTime(zone, window.to).year + 1;
  const out: HolidayOccurrence[] = [];
  for (let year = fromYear; year <= toYear; year++) {
    const answer = calendar.resolve(key, who, year);
    if (answer.kind !== 'date') continue;
    const [y, m, d] = answer.occasion.date.split('-').map(Number) as [number, number, number];
    // No zone is a day from UTC: a date that far from the window needs no zone arithmetic.
    const naive = naiveOf(y, m, d, at);
    if (naive + DAY_MS < window.from || naive - DAY_MS >= window.to) continue;
    const triggerAt = cache.resolveDate(zone, { year: y, month: m, day: d }, at);
    if (triggerAt >= window.from && triggerAt < window.to)
      out.push({ year, triggerAt, occasion: answer.occasion });
  }
  return out;
}
