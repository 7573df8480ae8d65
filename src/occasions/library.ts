/**
 * The public-holiday calendars of the world, from date-holidays: each country's (and
 * province's or state's) holidays for a year, and business rules in its grammar ("easter -2",
 * "4th thursday in November", "chinese 01-0-01", "1 Shawwal"). A kept library does the
 * astronomy and the lunar calendars, which are easy to get subtly wrong by hand. Results are
 * memoised: a tick asks the same few questions for every customer.
 */
import { createRequire } from 'node:module';
import type HolidaysClass from 'date-holidays';

/**
 * Loaded on first use: parsing the world's calendars takes about a second, which every CLI
 * command and every worker start would otherwise pay, holiday rules or not.
 */
const load = createRequire(import.meta.url);
let holidaysClass: typeof HolidaysClass | undefined;
function library(): typeof HolidaysClass {
  holidaysClass ??= load('date-holidays') as typeof HolidaysClass;
  return holidaysClass;
}

/** One public or observed holiday as the library knows it. */
export interface LibraryHoliday {
  /** `YYYY-MM-DD`, the local date it is kept on. */
  date: string;
  /** English name. */
  name: string;
  /** The library's rule for it, e.g. `4th thursday in November`. */
  rule: string;
  type: string;
}

/** Substitute days off are not the occasion itself; school holidays are not greeted. */
const TYPES: Array<'public' | 'bank' | 'optional' | 'observance'> = [
  'public',
  'bank',
  'optional',
  'observance',
];
const MEMO_LIMIT = 5000;

const holidaysMemo = new Map<string, LibraryHoliday[]>();
const ruleMemo = new Map<string, HolidaysClass | null>();
let countryNames: Record<string, string> | undefined;
const regionNames = new Map<string, Record<string, string>>();

function remember<K, V>(memo: Map<K, V>, key: K, value: V): V {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
  return value;
}

/** Countries the library has calendars for, by ISO 3166-1 alpha-2 code. */
function libraryCountries(): Record<string, string> {
  countryNames ??= new (library())().getCountries('en');
  return countryNames;
}

/** The provinces/states of a country the library has calendars for, by subdivision code. */
function libraryRegions(country: string): Record<string, string> {
  let names = regionNames.get(country);
  if (!names) {
    names = (libraryCountries()[country] ? new (library())().getStates(country, 'en') : undefined) ?? {};
    regionNames.set(country, names);
  }
  return names;
}

/**
 * The public and observed holidays of a country (and region, when the library knows it) in
 * `year`, substitute days left out. A country the library does not know has none.
 */
export function libraryHolidays(country: string, region: string | null, year: number): LibraryHoliday[] {
  const known = region !== null && libraryRegions(country)[region] !== undefined ? region : null;
  const key = `${country}-${known ?? ''}-${year}`;
  const memo = holidaysMemo.get(key);
  if (memo) return memo;
  if (!libraryCountries()[country]) return remember(holidaysMemo, key, []);
  const Holidays = library();
  const calendar = known
    ? new Holidays(country, known, { types: TYPES })
    : new Holidays(country, { types: TYPES });
  const list = calendar
    .getHolidays(year, 'en')
    .filter((h) => !h.substitute)
    .map((h) => ({ date: h.date.slice(0, 10), name: h.name, rule: h.rule, type: h.type }));
  return remember(holidaysMemo, key, list);
}

/**
 * date-holidays reports a rule it cannot parse with console.error (and returns false); we
 * report it ourselves, with the key it belongs to, so its own line is held back.
 */
function quietly<T>(fn: () => T): T {
  const original = console.error;
  console.error = () => undefined;
  try {
    return fn();
  } finally {
    console.error = original;
  }
}

function ruleCalendar(rule: string): HolidaysClass | null {
  if (ruleMemo.has(rule)) return ruleMemo.get(rule) as HolidaysClass | null;
  const calendar = new (library())({ types: TYPES });
  const ok = quietly(() => calendar.setHoliday(rule, { name: { en: 'occasion' }, type: 'public' }));
  return remember(ruleMemo, rule, ok ? calendar : null);
}

/** Whether date-holidays understands the rule. */
export function isHolidayRule(rule: string): boolean {
  return ruleCalendar(rule) !== null;
}

/** The first date (`YYYY-MM-DD`) a rule gives in `year`, or undefined when it gives none. */
export function ruleDate(rule: string, year: number): string | undefined {
  const found = ruleCalendar(rule)?.getHolidays(year, 'en')[0];
  return found?.date.slice(0, 10);
}
