/**
 * Waiting on the app's events (src/events.ts) instead of polling: subscribe before the action
 * that should cause the event, then await it with a deadline that names what did not happen.
 */
import type { AppEventMap, Emitter } from '../../src/events.js';

/** The payload of the next `name` that `match` accepts, or a rejection naming `what` after `timeoutMs`. */
export function nextEvent<K extends keyof AppEventMap>(
  events: Emitter<AppEventMap>,
  name: K,
  what: string,
  {
    timeoutMs = 10_000,
    match = () => true,
  }: { timeoutMs?: number; match?: (p: AppEventMap[K]) => boolean } = {},
): Promise<AppEventMap[K]> {
  let timer: NodeJS.Timeout | undefined;
  let off = () => {};
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  const event = new Promise<AppEventMap[K]>((resolve) => {
    off = events.on(name, (payload) => {
      if (match(payload)) resolve(payload);
    });
  });
  return Promise.race([event, deadline]).finally(() => {
    clearTimeout(timer);
    off();
  });
}

/** Resolves once batches have reported `count` messages sent in all (counted from the call). */
export function batchesSent(
  events: Emitter<AppEventMap>,
  count: number,
  what: string,
  timeoutMs = 20_000,
): Promise<AppEventMap['batch:end']> {
  let total = 0;
  return nextEvent(events, 'batch:end', what, {
    timeoutMs,
    match: ({ sent }) => (total += sent) >= count,
  });
}
