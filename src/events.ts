/**
 * What the sending side reports as it works: ticks, sends, failures, batches, pauses, reloads.
 * One emitter per app (src/app.ts); the parts emit on it and metrics and tests listen, so a part
 * needs no callback per listener and a test can await the moment instead of polling for it.
 */
import type { BatchReport } from './deliver/deliver.js';
import type { DeliveryKey } from './delivery-key.js';
import { describeError } from './errors.js';
import type { Logger } from './log.js';

/** Why a message was not sent this time: its template would not render, or the relay refused it. */
export type SendFailureCause = 'render' | 'temporary' | 'permanent';

export interface AppEventMap {
  /** A planning tick finished. */
  'tick:end': { at: number; planned: number; inserted: number; ms: number };
  /** A planning tick failed; the next one tries again. */
  'tick:failed': { at: number; error: string };
  /** An occasion an enabled automation uses has no known date in `year` (reported once per process). */
  'occasion:date_missing': { automation: string; key: string; year: number };
  /** The relay accepted a message; `ms` from the claim to the acceptance; `id` is the row's. */
  'delivery:sent': { key: DeliveryKey; id: number; ms: number };
  /** A message failed for good (refused address or message, or out of time to retry). */
  'delivery:failed': {
    key: DeliveryKey;
    id: number;
    attempt: number;
    error: string;
    cause: SendFailureCause;
  };
  /** A message will be tried again later (temporary failure, template problem). */
  'delivery:retry': { key: DeliveryKey; id: number; attempt: number; error: string; cause: SendFailureCause };
  /** The relay asked us to slow down; `rate` is the messages per second now allowed. */
  'delivery:slowed': { rate: number; error: string };
  /** The delivery loop stopped claiming after an error (database unavailable, disk full); it tries again. */
  'loop:error': { error: string; retryInMs: number };
  /** A batch's outcomes are in the books. */
  'batch:end': BatchReport;
  /** The books would not take `outcomes` outcomes; they are kept for the next try. */
  'outcomes:write_failed': { outcomes: number; error: string };
  /** Of `outcomes` written, only `applied` still held their lease (another worker took the rest). */
  'outcomes:lease_lost': { outcomes: number; applied: number };
  /** Stopping (or draining) with `count` outcomes the books never took: those rows are sent again. */
  'outcomes:unrecorded': { count: number; error: string };
  /**
   * Sending paused: the relay refused our sender (`refused`) or kept failing. `reply` is the
   * relay's last answer, `stage` where in the session it came (null: before any message).
   */
  'breaker:open': { reason: string; retryAt: number; reply: string; stage: string | null; refused: boolean };
  /** Sending resumed after a pause. */
  'breaker:close': { reason: string; pausedMs: number };
  /** A template (`template:x`, `layout:x`, `partial:x`) was brought in again after an edit. */
  'template:reloaded': { template: string };
  /**
   * A template has problems: the last good version stays in use (`keptPrevious`) or it cannot be
   * used. `template` is null when the whole folder could not be reloaded.
   */
  'template:invalid': { template: string | null; keptPrevious: boolean; problems: string[] };
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
