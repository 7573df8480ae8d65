/**
 * The demo's day: the business's local calendar day that contains "now", and the instants
 * within it when it is a given wall-clock time in some customer's zone.
 */
import { DateTime } from 'luxon';

export { DAY_MS, HOUR_MS } from '../src/plan/calendar.js';

export interface DemoDay {
  /** `YYYY-MM-DD`, the business's local date. */
  date: string;
  /** The business's zone. */
  zone: string;
  /** Local midnight that starts the day, and the next one (23, 24 or 25 hours later). */
  start: number;
  end: number;
}

export function demoDay(now: number, zone: string): DemoDay {
  const start = DateTime.fromMillis(now, { zone }).startOf('day');
  const end = start.plus({ days: 1 }).startOf('day');
  return { date: start.toISODate() ?? '', zone, start: start.toMillis(), end: end.toMillis() };
}

/**
 * The local date-time in `zone` at which it is `hour:minute` there, during the demo day: for
 * Pacific/Chatham that is usually tomorrow's date, for Honolulu today's. On a 23-hour day some
 * zones' wall-clock times do not happen at all; then the nearest one just outside the day.
 */
export function wallClockInDay(day: DemoDay, zone: string, hour: number, minute = 0): DateTime {
  const middle = DateTime.fromMillis((day.start + day.end) / 2, { zone }).startOf('day');
  const distance = (ms: number): number =>
    ms < day.start ? day.start - ms : ms >= day.end ? ms - day.end + 1 : 0;
  let best: DateTime | undefined;
  for (const offset of [-1, 0, 1]) {
    const candidate = middle.plus({ days: offset }).set({ hour, minute, second: 0, millisecond: 0 });
    if (!best || distance(candidate.toMillis()) < distance(best.toMillis())) best = candidate;
  }
  return best as DateTime;
}

/** Local wall-clock time on a date `daysAgo` before the business's demo date, in `zone`. */
export function localDaysAgo(
  day: DemoDay,
  zone: string,
  daysAgo: number,
  hour: number,
  minute: number,
): DateTime {
  return DateTime.fromISO(day.date, { zone })
    .minus({ days: daysAgo })
    .set({ hour, minute, second: 0, millisecond: 0 });
}

/** `YYYY-MM-DD` of an instant in `zone`. */
export function localDate(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISODate() ?? '';
}
