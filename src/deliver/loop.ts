/**
 * Keeps the Deliverer busy: batch after batch while work is due, then waits for the poll
 * interval or a wake-up hint (a tick, an API event). Correctness never depends on the hint.
 */
import type { BatchReport, Deliverer } from './deliver.js';
import { describeError } from '../errors.js';
import type { AppEvents } from '../events.js';

export interface LoopOptions {
  pollMs: number;
  /** After an unexpected error (database unavailable, disk full) wait this long before claiming again. */
  errorBackoffMs?: number;
  onBatch?(report: BatchReport): void;
  /**
   * Where a paused loop ('loop:error') and outcomes lost on stopping ('outcomes:unrecorded') are
   * reported (and logged); batches are reported by the deliverer.
   */
  events: AppEvents;
}

export class DeliveryLoop {
  private running: Promise<void> | null = null;
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The last error that stopped claiming, until a batch succeeds again. */
  lastError: string | null = null;

  constructor(
    private readonly deliverer: Deliverer,
    private readonly options: LoopOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = this.run();
  }

  /** A hint that work may be due now. */
  wake(): void {
    this.wakeUp?.();
  }

  /**
   * Stop claiming; resolves when the in-flight batch is finished or released and recorded.
   * Safe to call twice.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.deliverer.stop();
    this.wake();
    await this.running;
    // One last try for outcomes a database error left unwritten; failing that, their leases
    // expire and they are sent again (the one duplicate the books allow).
    await this.deliverer.flush().catch((error: unknown) => {
      const count = this.deliverer.unrecordedCount;
      this.options.events.emit('outcomes:unrecorded', { count, error: describeError(error) });
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let wait = this.options.pollMs;
      try {
        const report = await this.deliverer.runBatch();
        this.lastError = null;
        this.options.onBatch?.(report);
        if (report.claimed > 0 && report.released === 0) continue;
        // Sending is paused: sleep until the probe is due (a wake-up hint still ends the sleep early).
        const reopensIn = this.deliverer.breaker.reopensInMs;
        if (reopensIn !== null) wait = Math.max(wait, reopensIn);
      } catch (error) {
        this.lastError = describeError(error);
        wait = this.options.errorBackoffMs ?? 5_000;
        this.options.events.emit('loop:error', { error: this.lastError, retryInMs: wait });
      }
      await this.pause(wait);
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.wakeUp = null;
        resolve();
      };
      this.wakeUp = done;
      this.timer = setTimeout(done, ms);
    });
  }
}
