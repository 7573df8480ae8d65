/**
 * Quiet hours: non-transactional mail due outside the customer's local sending window waits
 * for the window's next start.
 */
import type { TimeCache } from './time.js';
import { nextLocalTime } from './time.js';

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
export function applySendWindow(cache: TimeCache, zone: string, instant: number, window: SendWindow): number {
  const local = cache.localDateTime(zone, instant);
  if (inSendWindow(window, local.minuteOfDay)) return instant;
  return nextLocalTime(cache, zone, instant, window.start);
}
