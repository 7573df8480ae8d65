/**
 * Cron slots of a `schedule` rule in a customer's zone.
 *
 * croner matches the pattern on the local wall clock (run at UTC offset 0, where no clock
 * ever jumps), and each wall-clock slot is then resolved like every other local time in the
 * planner (time.ts): a slot in a spring-forward gap moves forward by the gap; a slot in a
 * repeated hour fires once, at the first instant. Asking croner for the zone directly would
 * be ~50x slower (an Intl call per step) and, around transitions, inconsistent: it repeats
 * instants after a gap or a skipped day and picks the later instant in some overlaps
 * (Australia/Lord_Howe).
 */
import { Cron } from 'croner';
import { DAY_MS, HOUR_MS, MINUTE_MS, formatDateTime, fromNaive } from './calendar.js';
import type { TimeCache } from './time.js';
import type { TimeWindow } from './types.js';

export interface CronSlot {
  /** The slot's local wall-clock time, `YYYY-MM-DDTHH:mm` (the occurrence key). */
  local: string;
  at: number;
}

/** Sampling step for the zone's offsets over the window; no zone changes twice in 6 h. */
const SAMPLE_MS = 6 * HOUR_MS;

/** Smallest and largest UTC offset (ms) the window may meet, including just before it. */
function offsetRange(cache: TimeCache, zone: string, window: TimeWindow): [number, number] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const note = (t: number): void => {
    const offset = cache.offset(zone, t) * MINUTE_MS;
    min = Math.min(min, offset);
    max = Math.max(max, offset);
  };
  // A day before: a slot in a gap just before `from` resolves with the offset before the gap.
  for (let t = window.from - DAY_MS; t < window.to; t += SAMPLE_MS) note(t);
  note(window.from);
  note(window.to);
  return [min, max];
}

function slotsIn(expr: string, zone: string, window: TimeWindow, cache: TimeCache): CronSlot[] {
  const cron = cache.memo(`cron\u0000${expr}`, () => new Cron(expr, { paused: true, utcOffset: 0 }));
  const [minOffset, maxOffset] = offsetRange(cache, zone, window);
  const last = window.to + maxOffset;
  const byInstant = new Map<number, CronSlot & { exact: boolean }>();
  // croner's nextRun is strictly after its argument and ignores milliseconds.
  let wall = cron.nextRun(new Date(window.from + minOffset - 1000));
  while (wall && wall.getTime() <= last) {
    const naive = wall.getTime();
    const local = fromNaive(naive);
    const at = cache.resolveLocal(zone, local.year, local.month, local.day, local.minuteOfDay);
    if (at >= window.from && at < window.to) {
      // After a gap, a moved slot can meet a real one; the slot that really exists wins.
      const exact = at + cache.offset(zone, at) * MINUTE_MS === naive;
      const seen = byInstant.get(at);
      if (!seen || (exact && !seen.exact)) byInstant.set(at, { local: formatDateTime(local), at, exact });
    }
    wall = cron.nextRun(wall);
  }
  return [...byInstant.values()].sort((a, b) => a.at - b.at).map(({ local, at }) => ({ local, at }));
}

/** The pattern's slots whose instant falls in [from, to), memoised per zone and window. */
export function scheduleSlots(expr: string, zone: string, window: TimeWindow, cache: TimeCache): CronSlot[] {
  if (window.to <= window.from) return [];
  return cache.memo(`slots\u0000${expr}\u0000${zone}\u0000${window.from}\u0000${window.to}`, () =>
    slotsIn(expr, zone, window, cache),
  );
}
