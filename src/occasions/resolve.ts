/**
 * Which date an occasion falls on for one customer in one year, and why: a business's own
 * occasion (config), a built-in one, or a public holiday of the customer's country and region.
 * Pure apart from date-holidays' memoised computations: the planner, the forecasts, `check`
 * and `rapport occasions list` all ask here, so they agree.
 */
import { BUILT_IN, type OccasionDefinition } from './builtin.js';
import { holidayKeys } from './keys.js';
import { libraryHolidays, ruleDate, type LibraryHoliday } from './library.js';

export interface Place {
  country: string | null;
  region: string | null;
}

/** Where a date came from: a year's table entry, a country's calendar, the rule, or a public holiday. */
export type OccasionSource = 'table' | 'country' | 'rule' | 'public-holiday';

export interface OccasionDate {
  key: string;
  name: string;
  /** `YYYY-MM-DD` */
  date: string;
  source: OccasionSource;
  /** The rule that gave the date (the table's year for a table entry). */
  rule: string;
  /** The country (and region) whose calendar gave it; null for a rule or table that applies everywhere. */
  country: string | null;
  region: string | null;
}

export type OccasionAnswer =
  | { kind: 'date'; occasion: OccasionDate }
  /** The occasion applies but no date is known for the year: warn, never skip silently. */
  | { kind: 'missing'; key: string; year: number }
  /** Not an occasion for this customer (another country, no opt-in tag, not a holiday there). */
  | { kind: 'none' };

export interface OccasionCustomer extends Place {
  tags: readonly string[];
}

const NONE: OccasionAnswer = { kind: 'none' };

export class OccasionCalendar {
  constructor(
    /** `occasions:` from the config: they replace built-ins of the same key. */
    private readonly configured: Readonly<Record<string, OccasionDefinition>> = {},
  ) {}

  /** The definition a key names in config or among the built-ins, if any. */
  definition(key: string): OccasionDefinition | undefined {
    return Object.hasOwn(this.configured, key)
      ? this.configured[key]
      : Object.hasOwn(BUILT_IN, key)
        ? BUILT_IN[key]
        : undefined;
  }

  /** Every defined key: configured ones and the built-ins. */
  definedKeys(): string[] {
    return [...new Set([...Object.keys(this.configured), ...Object.keys(BUILT_IN)])].sort();
  }

  /** The occasion `key` for this customer in `year`. */
  resolve(key: string, customer: OccasionCustomer, year: number): OccasionAnswer {
    const def = this.definition(key);
    if (def && covers(def, customer)) {
      if (def.tags && !def.tags.some((t) => customer.tags.includes(t))) return NONE;
      return defined(key, def, customer, year, Object.hasOwn(this.configured, key));
    }
    const holiday = publicHoliday(key, customer, year);
    return holiday ? { kind: 'date', occasion: holiday } : NONE;
  }
}

/** Whether a definition's `countries` include the place (`CA` covers every province, `CA-NS` one). */
export function covers(def: OccasionDefinition, place: Place): boolean {
  if (!def.countries) return true;
  if (place.country === null) return false;
  return def.countries.some(
    (c) => c === place.country || (place.region !== null && c === `${place.country}-${place.region}`),
  );
}

/**
 * A configured table is the business's word and comes first; a built-in table (India's Diwali)
 * comes after the customer's own country's calendar (Singapore's Deepavali).
 */
function defined(
  key: string,
  def: OccasionDefinition,
  place: Place,
  year: number,
  configured: boolean,
): OccasionAnswer {
  const name = def.name ?? key;
  const base = { key, name, country: null, region: null };
  const entry = def.dates?.[String(year)];
  const table: OccasionAnswer | undefined =
    entry === undefined
      ? undefined
      : {
          kind: 'date',
          occasion: { ...base, date: `${year}-${entry}`, source: 'table', rule: `dates.${year}` },
        };
  if (table && configured) return table;
  const kept = place.country === null ? undefined : keptByCountry(def, place.country, place.region, year);
  if (kept) {
    return {
      kind: 'date',
      occasion: {
        ...base,
        date: kept.date,
        source: 'country',
        rule: kept.rule,
        country: place.country,
        region: place.region,
      },
    };
  }
  if (table) return table;
  const date = def.rule === undefined ? undefined : ruleDate(def.rule, year);
  if (date !== undefined)
    return { kind: 'date', occasion: { ...base, date, source: 'rule', rule: def.rule as string } };
  return { kind: 'missing', key, year };
}

/**
 * The same occasion in the country's own calendar: a holiday with the same rule (a length
 * such as `P3D` aside) or one of the definition's aliases. Its date is the country's
 * published one, which for lunar calendars can differ from the computed rule by a day.
 */
function keptByCountry(
  def: OccasionDefinition,
  country: string,
  region: string | null,
  year: number,
): LibraryHoliday | undefined {
  return libraryHolidays(country, region, year).find(
    (h) =>
      (def.rule !== undefined &&
        (h.rule === def.rule || new RegExp(`^${escape(def.rule)} P\\d+D$`).test(h.rule))) ||
      (def.aliases ?? []).some((alias) => holidayKeys(h.name).includes(alias)),
  );
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function publicHoliday(key: string, place: Place, year: number): OccasionDate | undefined {
  if (place.country === null) return undefined;
  const found = libraryHolidays(place.country, place.region, year).find((h) =>
    holidayKeys(h.name).includes(key),
  );
  if (!found) return undefined;
  return {
    key,
    name: found.name,
    date: found.date,
    source: 'public-holiday',
    rule: found.rule,
    country: place.country,
    region: place.region,
  };
}
