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

/**
 * Resolves once `holds()` is true, checking now and again after each of `names` (subscribed
 * before the first check, so an event between a check and the wait is not missed); rejects
 * naming `what` after `timeoutMs`. For a state the events lead to but do not carry (the books,
 * /readyz), when the event may already have happened before the test could subscribe.
 */
export function whenEvents(
  events: Emitter<AppEventMap>,
  names: Array<keyof AppEventMap>,
  holds: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    let checking = false;
    let again = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const off of offs) off();
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const check = async (): Promise<void> => {
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          if (await holds()) return finish();
        } while (again && !done);
      } catch (error) {
        finish(error);
      } finally {
        checking = false;
      }
    };
    const offs = names.map((name) => events.on(name, () => void check()));
    const timer = setTimeout(
      () => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
    void check();
  });
}

/** Resolves after `count` more `loop:error` reports: the loop tried again that many times. */
export function loopRetries(events: Emitter<AppEventMap>, count: number, timeoutMs = 10_000): Promise<void> {
  let seen = 0;
  return nextEvent(events, 'loop:error', `${count} more tries of the delivery loop`, {
    timeoutMs,
    match: () => ++seen >= count,
  }).then(() => undefined);
}
