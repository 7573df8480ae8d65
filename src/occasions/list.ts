/** `rapport occasions list`: every occasion a place has in a year, with its date and where it comes from. */
import { describeSource } from './describe.js';
import { holidayKeys } from './keys.js';
import { libraryHolidays } from './library.js';
import { covers, type OccasionCalendar, type Place } from './resolve.js';

export interface OccasionListing {
  /** What to write in `on: { holiday: KEY }` (the first); public holidays also answer to the others. */
  key: string;
  keys: string[];
  name: string;
  /** `YYYY-MM-DD`, or null when no date is known for the year. */
  date: string | null;
  source: 'table' | 'country' | 'rule' | 'public-holiday' | 'unknown';
  rule: string | null;
  /** Where the date comes from, in words. */
  detail: string;
  /** Opt-in tags: only customers with one of them receive it. */
  tags: string[];
}

export function listOccasions(calendar: OccasionCalendar, place: Place, year: number): OccasionListing[] {
  const out: OccasionListing[] = [];
  for (const key of calendar.definedKeys()) {
    const def = calendar.definition(key);
    if (!def || !covers(def, place)) continue;
    const tags = [...(def.tags ?? [])];
    // As a customer who opted in: the listing shows when, not who.
    const answer = calendar.resolve(key, { ...place, tags }, year);
    const name = def.name ?? key;
    if (answer.kind === 'date') {
      const o = answer.occasion;
      out.push({
        key,
        keys: [key],
        name,
        date: o.date,
        source: o.source,
        rule: o.rule,
        detail: describeSource(o),
        tags,
      });
    } else if (answer.kind === 'missing') {
      out.push({
        key,
        keys: [key],
        name,
        date: null,
        source: 'unknown',
        rule: def.rule ?? null,
        detail: `no known date in ${year}`,
        tags,
      });
    }
  }
  if (place.country !== null) {
    for (const h of libraryHolidays(place.country, place.region, year)) {
      const keys = holidayKeys(h.name);
      const where = place.region === null ? place.country : `${place.country}-${place.region}`;
      out.push({
        key: keys[0] as string,
        keys,
        name: h.name,
        date: h.date,
        source: 'public-holiday',
        rule: h.rule,
        detail: `${where}: ${h.rule} (${h.type})`,
        tags: [],
      });
    }
  }
  return out.sort((a, b) => (a.date ?? '9999').localeCompare(b.date ?? '9999') || a.key.localeCompare(b.key));
}
