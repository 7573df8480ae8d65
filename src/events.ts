/**
 * What the sending side reports as it works: ticks, sends, failures, batches, pauses, reloads.
 * One emitter per app (src/app.ts); the parts emit on it and metrics and tests listen, so a part
 * needs no callback per listener and a test can await the moment instead of polling for it.
 */
import type { DeliveryKey } from './delivery-key.js';
import { describeError } from './errors.js';
import type { Logger } from './log.js';

export interface AppEventMap {
  /** A planning tick finished. */
  'tick:end': { at: number; planned: number; inserted: number; ms: number };
  /** The relay accepted a message; `ms` from the claim to the acceptance. */
  'delivery:sent': { key: DeliveryKey; ms: number };
  /** A message failed for good (refused address or message). */
  'delivery:failed': { key: DeliveryKey; attempt: number; error: string };
  /** A message will be tried again later (temporary failure, template problem). */
  'delivery:retry': { key: DeliveryKey; attempt: number; error: string };
  /** The delivery loop stopped claiming after an error (database unavailable, disk full); it tries again. */
  'loop:error': { error: string; retryInMs: number };
  /** A batch's outcomes are in the books. */
  'batch:end': {
    claimed: number;
    sent: number;
    retried: number;
    deferred: number;
    failed: number;
    suppressed: number;
    skipped: number;
    expired: number;
    released: number;
  };
  /** Sending paused: the relay refused our sender or kept failing. */
  'breaker:open': { reason: string; retryAt: number };
  /** Sending resumed after a pause. */
  'breaker:close': { reason: string; pausedMs: number };
  /** Published templates were loaded again at a new revision. */
  'templates:reloaded': { revision: number };
  /** The stored automations were loaded again at a new revision. */
  'automations:reloaded': { revision: number };
}

type Listener<P> = (payload: P) => void;

export class Emitter<M extends object> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  /** `log` hears about listeners that throw; their throw never reaches the part that emitted. */
  constructor(private readonly log?: Pick<Logger, 'error'>) {}

  /** Calls `fn` for each `name` until the returned function is called. */
  on<K extends keyof M>(name: K, fn: Listener<M[K]>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    const entry = fn as Listener<never>;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /** The payload of the next `name` (optionally the next one `match` accepts). */
  once<K extends keyof M>(name: K, match: (payload: M[K]) => boolean = () => true): Promise<M[K]> {
    return new Promise((resolve) => {
      const off = this.on(name, (payload) => {
        if (!match(payload)) return;
        off();
        resolve(payload);
      });
    });
  }

  emit<K extends keyof M>(name: K, payload: M[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const fn of [...set] as Array<Listener<M[K]>>) {
      try {
        fn(payload);
      } catch (error) {
        this.log?.error(
          { event: 'events.listener_failed', name: String(name), error: describeError(error) },
          'an event listener failed',
        );
      }
    }
  }
}

/** The app's emitter. */
export type AppEvents = Emitter<AppEventMap>;
