/**
 * Plain Gregorian calendar arithmetic on local dates and wall-clock times, with no zone in
 * sight. A wall-clock time is carried as "naive" epoch ms: the instant it would be if the zone
 * were UTC. Zones come in only in time.ts, where a naive time is resolved to a real instant.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** A local calendar date; month 1-12. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** A local date and the minutes after local midnight (may carry a fraction for seconds). */
export interface LocalDateTime extends LocalDate {
  minuteOfDay: number;
}

export type LeapDayPolicy = 'feb28' | 'mar1';

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** True when month-day exists in at least one year (02-29 included). */
function isMonthDay(month: number, day: number): boolean {
  return Number.isInteger(month) && Number.isInteger(day) && month >= 1 && month <= 12 && day >= 1
    ? day <= daysInMonth(2000, month)
    : false;
}

/**
 * The local date a yearly month-day falls on in `year`. Only Feb 29 moves: in a non-leap year
 * it becomes Feb 28 or Mar 1 (`sending.leap_day`).
 */
export function yearlyDate(year: number, month: number, day: number, leapDay: LeapDayPolicy): LocalDate {
  if (month === 2 && day === 29 && !isLeapYear(year)) {
    return leapDay === 'mar1' ? { year, month: 3, day: 1 } : { year, month: 2, day: 28 };
  }
  return { year, month, day };
}

/** Naive ms of a local wall-clock time (the instant it would be in UTC). */
export function naiveOf(year: number, month: number, day: number, minuteOfDay: number): number {
  // Date.UTC handles years 0-99 as 1900+; setUTCFullYear avoids that surprise.
  const d = new Date(Date.UTC(2000, month - 1, day));
  d.setUTCFullYear(year);
  return d.getTime() + minuteOfDay * MINUTE_MS;
}

/** The local date and minute of day of naive ms. */
export function fromNaive(naive: number): LocalDateTime {
  const d = new Date(naive);
  const midnight = Math.floor(naive / DAY_MS) * DAY_MS;
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    minuteOfDay: (naive - midnight) / MINUTE_MS,
  };
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const { year, month, day } = fromNaive(naiveOf(date.year, date.month, date.day, 0) + days * DAY_MS);
  return { year, month, day };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD` */
export function formatDate(date: LocalDate): string {
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

/** `YYYY-MM-DDTHH:mm` */
export function formatDateTime(at: LocalDateTime): string {
  const minute = Math.floor(at.minuteOfDay);
  return `${formatDate(at)}T${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
}

/**
 * Parses `YYYY-MM-DD` or `MM-DD` (year null). Returns undefined for anything that is not a
 * calendar date, so bad data plans nothing instead of throwing mid-tick.
 */
export function parseMonthDay(text: string): { year: number | null; month: number; day: number } | undefined {
  const m = /^(?:(\d{4})-)?(\d\d)-(\d\d)$/.exec(text.trim());
  if (!m) return undefined;
  const year = m[1] === undefined ? null : Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (!isMonthDay(month, day)) return undefined;
  if (year !== null && day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}
