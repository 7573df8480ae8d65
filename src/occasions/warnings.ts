/**
 * What `check`, the forecasts and the daemon's log warn about: an occasion an automation uses
 * that has no known date in a year (a table that ends, a rule that gives nothing), and a key
 * that names no occasion anywhere.
 */
import type { Automation } from '../config/schema.js';
import type { OccasionCalendar } from './resolve.js';
import { isAnyonesHolidayKey } from './all-keys.js';
import { ruleDate } from './library.js';

export interface MissingOccasionDate {
  automation: string;
  key: string;
  year: number;
}

/** The holiday rules' occasions with no date known in these years (enabled automations only). */
export function missingOccasionDates(
  automations: readonly Automation[],
  calendar: OccasionCalendar,
  years: readonly number[],
): MissingOccasionDate[] {
  const out: MissingOccasionDate[] = [];
  for (const a of automations) {
    if (!a.enabled || !('holiday' in a.on)) continue;
    const key = a.on.holiday;
    const def = calendar.definition(key);
    if (!def) continue;
    for (const year of years) {
      const known =
        def.dates?.[String(year)] !== undefined ||
        (def.rule !== undefined && ruleDate(def.rule, year) !== undefined);
      if (!known) out.push({ automation: a.id, key, year });
    }
  }
  return out;
}

export function missingDateMessage(m: MissingOccasionDate): string {
  return (
    `automations "${m.automation}": occasion "${m.key}" has no known date in ${m.year}; nobody will be greeted for it ` +
    `that year until you add it, e.g. occasions.${m.key}.dates.${m.year}: "MM-DD"`
  );
}

/** Years from the one holding `from` to the one holding `to`. */
export function yearsBetween(from: number, to: number): number[] {
  const years: number[] = [];
  for (let y = new Date(from).getUTCFullYear(); y <= new Date(to).getUTCFullYear(); y++) years.push(y);
  return years;
}

/** Holiday rules whose key is neither an occasion in config, nor built in, nor anyone's public holiday. */
export function unknownOccasionKeys(
  automations: readonly Automation[],
  calendar: OccasionCalendar,
): Array<{ automation: string; key: string }> {
  const out: Array<{ automation: string; key: string }> = [];
  for (const a of automations) {
    if (!('holiday' in a.on)) continue;
    const key = a.on.holiday;
    if (calendar.definition(key) || isAnyonesHolidayKey(key)) continue;
    out.push({ automation: a.id, key });
  }
  return out;
}
