/** Date and time fields: birthdays, calendar dates and instants with an explicit offset. */
import { DateTime } from 'luxon';
import { type Check, fail, ok, show } from './text.js';

const EARLIEST_YEAR = 1900;

function daysInMonth(month: number, year: number | undefined): number {
  if (month === 2) {
    // Without a year, Feb 29 is a real birthday (the plan handles non-leap years).
    if (year === undefined) return 29;
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function realDate(year: number | undefined, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(month, year);
}

function utcYear(now: number): number {
  return new Date(now).getUTCFullYear();
}

/** A birthday `YYYY-MM-DD` or `MM-DD`: a real date, year from 1900 to `now`'s year. */
export function birthday(value: string, now: number): Check<string> {
  const m = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/.exec(value);
  if (!m) return fail(`${show(value)} is not a date (use YYYY-MM-DD, or MM-DD when the year is unknown)`);
  const year = m[1] === undefined ? undefined : Number(m[1]);
  if (!realDate(year, Number(m[2]), Number(m[3]))) return fail(`${show(value)} is not a real date`);
  if (year !== undefined && year < EARLIEST_YEAR) return fail(`year ${year} is before ${EARLIEST_YEAR}`);
  if (year !== undefined && year > utcYear(now)) return fail(`year ${year} is in the future`);
  return ok(value);
}

/** The latest calendar date anywhere on Earth at `now` (UTC+14), as `YYYY-MM-DD`. */
function latestDateOnEarth(now: number): string {
  return DateTime.fromMillis(now, { zone: 'UTC+14' }).toISODate() ?? '';
}

/**
 * A calendar date `YYYY-MM-DD`, or an ISO date-time reduced to the date as written (its own
 * offset, not converted); from 1900 and not after today's date in any time zone.
 */
export function calendarDate(value: string, now: number): Check<string> {
  const m = /^(\d{4})-(\d{2})-(\d{2})([T ].*)?$/.exec(value);
  const hint = '(use YYYY-MM-DD, e.g. 2021-06-30)';
  if (!m) return fail(`${show(value)} is not a date ${hint}`);
  const date = value.slice(0, 10);
  if (m[4] !== undefined && !DateTime.fromISO(`${date}T${m[4].slice(1)}`, { setZone: true }).isValid) {
    return fail(`${show(value)} is not a date ${hint}`);
  }
  if (!realDate(Number(m[1]), Number(m[2]), Number(m[3]))) return fail(`${show(value)} is not a real date`);
  if (Number(m[1]) < EARLIEST_YEAR) return fail(`year ${m[1]} is before ${EARLIEST_YEAR}`);
  if (date > latestDateOnEarth(now)) return fail(`${show(value)} is in the future`);
  return ok(date);
}

const WITH_OFFSET =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)(Z|[+-]\d{2}(?::?\d{2})?)$/i;
const WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const EXAMPLE = 'e.g. 2026-03-01T10:00:00Z or 2026-03-01T10:00:00+01:00';

/**
 * An instant: ISO 8601 date and time with an explicit offset or `Z` (a space instead of `T`
 * is accepted), as epoch milliseconds. Without an offset the instant would depend on
 * whichever zone the importing machine runs in, so it is refused.
 */
export function instant(value: string): Check<number> {
  const m = WITH_OFFSET.exec(value);
  if (!m) {
    if (WITHOUT_OFFSET.test(value)) return fail(`${show(value)} needs a time zone offset or Z, ${EXAMPLE}`);
    if (DATE_ONLY.test(value)) return fail(`${show(value)} needs a time and a time zone offset, ${EXAMPLE}`);
    return fail(`${show(value)} is not a date and time (use ISO 8601, ${EXAMPLE})`);
  }
  const iso = `${m[1]}T${m[2]?.replace(',', '.')}${m[3]?.toUpperCase()}`;
  const parsed = DateTime.fromISO(iso, { setZone: true });
  if (!parsed.isValid) return fail(`${show(value)} is not a real date and time`);
  if (parsed.year < EARLIEST_YEAR) return fail(`year ${parsed.year} is before ${EARLIEST_YEAR}`);
  return ok(parsed.toMillis());
}
