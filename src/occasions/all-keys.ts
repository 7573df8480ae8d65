/**
 * Every key any country's or region's calendar answers to, read from date-holidays' data
 * rather than computed year by year (which takes seconds across 200 countries): `check` uses
 * it to tell a misspelt holiday from one kept only somewhere far away.
 */
import { createRequire } from 'node:module';
import { holidayKeys } from './keys.js';

/** date-holidays' data module (no type declarations of its own), read only when needed. */
const load = createRequire(import.meta.url);

interface Day {
  name?: Record<string, string>;
  _name?: string;
}
interface Calendar {
  days?: Record<string, Day | false>;
  states?: Record<string, Calendar>;
  regions?: Record<string, Calendar>;
}
interface Data {
  holidays: Record<string, Calendar>;
  names: Record<string, { name?: Record<string, string> }>;
}

let keys: Set<string> | undefined;

function englishName(day: Day, names: Data['names']): string | undefined {
  return day.name?.en ?? (day._name === undefined ? undefined : names[day._name]?.name?.en);
}

function collect(calendar: Calendar, names: Data['names'], into: Set<string>): void {
  for (const day of Object.values(calendar.days ?? {})) {
    const name = day ? englishName(day, names) : undefined;
    if (name !== undefined) for (const key of holidayKeys(name)) into.add(key);
  }
  for (const sub of [...Object.values(calendar.states ?? {}), ...Object.values(calendar.regions ?? {})]) {
    collect(sub, names, into);
  }
}

/** Whether some country's or region's public holiday answers to `key`. */
export function isAnyonesHolidayKey(key: string): boolean {
  if (!keys) {
    const data = (load('date-holidays/data') as { data: Data }).data;
    keys = new Set();
    for (const calendar of Object.values(data.holidays)) collect(calendar, data.names, keys);
  }
  return keys.has(key);
}
