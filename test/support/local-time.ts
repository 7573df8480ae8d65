/**
 * An oracle for local wall-clock times, independent of src/plan/time.ts: it tries every UTC
 * offset a zone could have (all are multiples of 15 minutes, from −12:00 to +14:00) and asks
 * luxon which instants really show the wanted time.
 */
import { DateTime, IANAZone } from 'luxon';

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * The instant meant by local date + time in `zone` : a time that
 * happens twice means the first instant; a time that does not exist moves forward by the gap,
 * i.e. keeps the offset in force before it.
 */
export function expectedInstant(
  zone: string,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
): number {
  const tz = IANAZone.create(zone);
  const naive = Date.UTC(year, month - 1, day, hour, minute);
  const shows = (instant: number) => instant + tz.offset(instant) * MINUTE === naive;
  const candidates: number[] = [];
  for (let offset = -12 * 60; offset <= 14 * 60; offset += 15) {
    const instant = naive - offset * MINUTE;
    if (shows(instant)) candidates.push(instant);
  }
  if (candidates.length > 0) return Math.min(...candidates);
  return naive - tz.offset(naive - DAY) * MINUTE;
}

/** `YYYY-MM-DD HH:mm` of an instant in `zone`. */
export function wallClock(zone: string, instant: number): string {
  return DateTime.fromMillis(instant, { zone }).toFormat('yyyy-MM-dd HH:mm');
}

/** The instant as ISO 8601 with the zone's offset, as the CLI writes `local_time`. */
export function localIsoOf(zone: string, instant: number): string {
  return DateTime.fromMillis(instant, { zone }).toISO({ suppressMilliseconds: true }) ?? '';
}

/** `YYYY-MM-DD` plus `days`. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}
