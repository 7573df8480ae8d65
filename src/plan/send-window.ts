/**
 * Quiet hours: non-transactional mail due outside the customer's local sending window waits
 * for the window's next start; mail due on a quiet day waits for the next open day.
 */
import type { TimeCache } from './time.js';
import { nextLocalTime } from './time.js';
import { addDays, formatDate, type LocalDate } from './calendar.js';
import type { QuietDays } from './types.js';

export interface SendWindow {
  /** Minutes after local midnight; start > end wraps midnight (22:00-06:00). */
  start: number;
  end: number;
}

/** Whether a local minute of day lies in [start, end); start === end means no quiet hours. */
function inSendWindow(window: SendWindow, minuteOfDay: number): boolean {
  const { start, end } = window;
  if (start === end) return true;
  if (start < end) return minuteOfDay >= start && minuteOfDay < end;
  return minuteOfDay >= start || minuteOfDay < end;
}

/** `instant` when its local time is in the window, else the window's next local start. */
function applySendWindow(cache: TimeCache, zone: string, instant: number, window: SendWindow): number {
  const local = cache.localDateTime(zone, instant);
  if (inSendWindow(window, local.minuteOfDay)) return instant;
  return nextLocalTime(cache, zone, instant, window.start);
}

/** Whether a local date is one of the business's quiet days. */
function isQuietDay(quiet: QuietDays, date: LocalDate): boolean {
  const iso = formatDate(date);
  return quiet.dates.has(iso) || quiet.monthDays.has(iso.slice(5));
}

/**
 * When marketing mail due at `instant` may go: inside the send window and not on a quiet day.
 * Mail due on a quiet day waits for the next open day, from its local midnight (or the
 * window's start). Quiet days run out within a year, so the loop ends.
 */
export function applyMarketingHours(
  cache: TimeCache,
  zone: string,
  instant: number,
  window: SendWindow | undefined,
  quiet: QuietDays | undefined,
): number {
  let t = window ? applySendWindow(cache, zone, instant, window) : instant;
  if (!quiet || (quiet.dates.size === 0 && quiet.monthDays.size === 0)) return t;
  for (let i = 0; i < 400; i++) {
    const local = cache.localDateTime(zone, t);
    if (!isQuietDay(quiet, local)) return t;
    t = cache.resolveDate(zone, addDays(local, 1), 0);
    if (window) t = applySendWindow(cache, zone, t, window);
  }
  return t;
}
