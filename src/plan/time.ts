/**
 * Local wall-clock time ⇄ instants, with luxon supplying each zone's UTC offsets.
 *
 * Rules:
 * - a local time that does not exist (spring-forward gap, or a whole skipped day such as
 *   Pacific/Apia 2011-12-30) moves forward by the length of the gap;
 * - a local time that happens twice (fall-back) means the first, earlier instant.
 * luxon's `DateTime.fromObject` is not used: for a repeated time it returns the later instant
 * in some zones (Europe/Paris, America/Havana). We compute both candidate offsets instead.
 */
import { DateTime, IANAZone } from 'luxon';
import { DAY_MS, HOUR_MS, MINUTE_MS, addDays, formatDateTime, fromNaive, naiveOf } from './calendar.js';
import type { LocalDate, LocalDateTime } from './calendar.js';

export { yearlyDate } from './calendar.js';
export type { LeapDayPolicy, LocalDate, LocalDateTime } from './calendar.js';

type OffsetFn = (instant: number) => number;

/** The zone's UTC offset in minutes at an instant (NaN for an unknown zone). */
function zoneOffset(zone: string, instant: number): number {
  return IANAZone.create(zone).offset(instant);
}

function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/**
 * The instant of a naive wall-clock time, given the zone's offset function. Like Temporal's
 * "compatible" disambiguation: the offsets a day before and a day after are the only
 * candidates (no zone changes twice within two days, no offset exceeds a day).
 */
function resolveNaive(naive: number, offsetAt: OffsetFn): number {
  const before = offsetAt(naive - DAY_MS);
  const after = offsetAt(naive + DAY_MS);
  const early = naive - before * MINUTE_MS;
  const late = naive - after * MINUTE_MS;
  const earlyOk = offsetAt(early) === before;
  const lateOk = offsetAt(late) === after;
  if (earlyOk && lateOk) return Math.min(early, late); // repeated time: the first instant
  if (earlyOk) return early;
  if (lateOk) return late;
  // In a gap: keep the offset in force before it, which lands the same distance past the gap.
  return early;
}

/** Epoch ms of `minuteOfDay` after local midnight of year-month-day in `zone`. */
export function resolveLocal(
  zone: string,
  year: number,
  month: number,
  day: number,
  minuteOfDay: number,
): number {
  return resolveNaive(naiveOf(year, month, day, minuteOfDay), (t) => zoneOffset(zone, t));
}

/** The local date and minute of day of an instant in `zone`. */
export function localDateTimeOf(zone: string, instant: number): LocalDateTime {
  return fromNaive(instant + zoneOffset(zone, instant) * MINUTE_MS);
}

/** Bounded maps: a cache that outgrows this is cleared rather than growing with the data. */
const MAX_ENTRIES = 250_000;

function zoneMap<V>(maps: Map<string, Map<number, V>>, zone: string): Map<number, V> {
  let map = maps.get(zone);
  if (!map) maps.set(zone, (map = new Map<number, V>()));
  else if (map.size >= MAX_ENTRIES) map.clear();
  return map;
}

/**
 * Memoises zone arithmetic for one planning run. Create one per tick (or per `simulate`) and
 * pass it to every planCustomer call: customers share zones, birthdays and windows, so most
 * look-ups repeat. A luxon offset costs a few µs (an Intl formatter call); a hit costs a Map get.
 */
export class TimeCache {
  /** Offset per zone per UTC day, and per hour on days with a transition; NaN: it changes inside. */
  private readonly dayOffsets = new Map<string, Map<number, number>>();
  private readonly hourOffsets = new Map<string, Map<number, number>>();
  private readonly resolved = new Map<string, Map<number, number>>();
  private readonly valid = new Map<string, boolean>();
  private readonly memos = new Map<string, unknown>();

  isValidZone(zone: string): boolean {
    let ok = this.valid.get(zone);
    if (ok === undefined) this.valid.set(zone, (ok = isValidZone(zone)));
    return ok;
  }

  offset(zone: string, instant: number): number {
    const byDay = this.bucket(this.dayOffsets, zone, instant, DAY_MS);
    if (!Number.isNaN(byDay)) return byDay;
    // A day holding a transition: look closer, hour by hour.
    const byHour = this.bucket(this.hourOffsets, zone, instant, HOUR_MS);
    return Number.isNaN(byHour) ? zoneOffset(zone, instant) : byHour;
  }

  /** The offset throughout the bucket holding `instant`, or NaN when it changes inside. */
  private bucket(
    maps: Map<string, Map<number, number>>,
    zone: string,
    instant: number,
    size: number,
  ): number {
    const key = Math.floor(instant / size);
    const map = zoneMap(maps, zone);
    let offset = map.get(key);
    if (offset === undefined) {
      // No zone changes its offset and back within a day: equal ends mean no change inside.
      const start = zoneOffset(zone, key * size);
      offset = start === zoneOffset(zone, key * size + size - 1) ? start : Number.NaN;
      map.set(key, offset);
    }
    return offset;
  }

  resolveLocal(zone: string, year: number, month: number, day: number, minuteOfDay: number): number {
    const naive = naiveOf(year, month, day, minuteOfDay);
    const map = zoneMap(this.resolved, zone);
    let instant = map.get(naive);
    if (instant === undefined) {
      instant = resolveNaive(naive, (t) => this.offset(zone, t));
      map.set(naive, instant);
    }
    return instant;
  }

  resolveDate(zone: string, date: LocalDate, minuteOfDay: number): number {
    return this.resolveLocal(zone, date.year, date.month, date.day, minuteOfDay);
  }

  localDateTime(zone: string, instant: number): LocalDateTime {
    return fromNaive(instant + this.offset(zone, instant) * MINUTE_MS);
  }

  /** Any other per-run value (compiled cron patterns, a zone's cron slots for the window). */
  memo<T>(key: string, compute: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    if (this.memos.size >= MAX_ENTRIES) this.memos.clear();
    const value = compute();
    this.memos.set(key, value);
    return value;
  }
}

/**
 * The first instant at or after `instant` whose local time is `minuteOfDay`: the same local
 * day when that time has not passed yet, else the next day.
 */
export function nextLocalTime(cache: TimeCache, zone: string, instant: number, minuteOfDay: number): number {
  let date: LocalDate = cache.localDateTime(zone, instant);
  // Normally one or two tries; a skipped day (Pacific/Apia) can need a third.
  for (let i = 0; i < 4; i++) {
    const candidate = cache.resolveDate(zone, date, minuteOfDay);
    if (candidate >= instant) return candidate;
    date = addDays(date, 1);
  }
  return cache.resolveDate(zone, date, minuteOfDay);
}

const two = (n: number): string => String(n).padStart(2, '0');

/** luxon writes `Z` for its fixed UTC zone (`UTC`, `GMT` in any case), `+00:00` for IANA zones. */
const FIXED_UTC = /^(utc|gmt)$/i;

/**
 * The instant as ISO 8601 with the zone's offset, milliseconds only when non-zero: the same
 * text as luxon's `toISO({ suppressMilliseconds: true })`, without a formatter call per row.
 */
export function localIso(cache: TimeCache, zone: string, instant: number): string {
  const offset = cache.offset(zone, instant);
  if (!Number.isInteger(offset)) {
    return DateTime.fromMillis(instant, { zone }).toISO({ suppressMilliseconds: true }) ?? '';
  }
  const naive = instant + offset * MINUTE_MS;
  const local = fromNaive(Math.floor(naive / MINUTE_MS) * MINUTE_MS);
  const msOfMinute = naive - Math.floor(naive / MINUTE_MS) * MINUTE_MS;
  const seconds = two(Math.floor(msOfMinute / 1000));
  const millis = msOfMinute % 1000 === 0 ? '' : `.${String(msOfMinute % 1000).padStart(3, '0')}`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const suffix =
    offset === 0 && FIXED_UTC.test(zone) ? 'Z' : `${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
  return `${formatDateTime(local)}:${seconds}${millis}${suffix}`;
}
