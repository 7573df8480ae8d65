/**
 * Writes delivery outcomes to the books by group commit: outcomes from every sending lane share
 * one transaction, written when `maxRows` wait or `maxDelayMs` after the first arrived,
 * whichever comes first; what arrives during a write goes in the next, started as soon as that
 * write ends. An accepted message is in the books within a few tens of milliseconds.
 *
 * Why: mail the relay accepted but we have not recorded is what a crash sends again. Sending
 * lanes ask for `room` before each send (see deliver.ts), so that no more than about one
 * message per pooled connection is ever accepted and unrecorded: that bounds what a `kill -9`
 * sends twice, at a cost of one small transaction per few messages, never one per message.
 *
 * What a write could not store (database unwritable, disk full) is kept, in order, for the next
 * `flush`; meanwhile `failed` says why and nothing new should be sent.
 */
import { describeError } from '../errors.js';
import type { DeliveryOutcome } from '../db/deliveries.js';

export interface RecorderOptions {
  /** A write starts at once when this many outcomes wait (default 5). */
  maxRows?: number;
  /** Otherwise, this long after the first outcome arrived (default 20 ms). */
  maxDelayMs?: number;
  setTimer?: (fn: () => void, ms: number) => void;
}

export class OutcomeRecorder {
  private pending: DeliveryOutcome[] = [];
  /** Outcomes in the write now running. */
  private inWrite = 0;
  private writing: Promise<void> | null = null;
  private timerArmed = false;
  /** Lanes waiting for room (see `room`), woken after each write. */
  private roomWaiters: Array<() => void> = [];
  private readonly maxRows: number;
  private readonly maxDelayMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => void;
  /** The last write's error, until a write succeeds: while set, nothing new should be sent. */
  failed: string | null = null;

  constructor(
    private readonly write: (outcomes: DeliveryOutcome[]) => Promise<unknown>,
    options: RecorderOptions = {},
  ) {
    this.maxRows = options.maxRows ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 20;
    this.setTimer = options.setTimer ?? ((fn, ms) => void setTimeout(fn, ms));
  }

  /** Outcomes not yet written and not being written. */
  get size(): number {
    return this.pending.length;
  }

  /** Outcomes not yet in the books: waiting, or in the write now running. */
  get unrecorded(): number {
    return this.pending.length + this.inWrite;
  }

  /** Adds one outcome: written within maxDelayMs, sooner when maxRows wait. Never throws (see `failed`). */
  add(outcome: DeliveryOutcome): void {
    this.pending.push(outcome);
    if (this.writing || this.failed !== null) return;
    if (this.pending.length >= this.maxRows) this.start().catch(() => {});
    else this.arm();
  }

  /**
   * Resolves once fewer than `limit` outcomes are unrecorded, or once writing failed (then
   * `failed` says why and the caller should send nothing more).
   */
  async room(limit: number): Promise<void> {
    while (this.unrecorded >= limit && this.failed === null) {
      if (!this.writing) this.start().catch(() => {});
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  /** Writes everything still pending; throws while the database refuses. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing.catch(() => {});
    if (this.pending.length > 0) await this.start();
  }

  private arm(): void {
    if (this.timerArmed) return;
    this.timerArmed = true;
    this.setTimer(() => {
      this.timerArmed = false;
      if (!this.writing && this.failed === null && this.pending.length > 0) this.start().catch(() => {});
    }, this.maxDelayMs);
  }

  /** One write of everything pending; when it succeeds and more came meanwhile, the next at once. */
  private start(): Promise<void> {
    const chunk = this.pending;
    this.pending = [];
    this.inWrite = chunk.length;
    const writing = this.write(chunk).then(
      () => {
        this.failed = null;
      },
      (error: unknown) => {
        this.pending = chunk.concat(this.pending);
        this.failed = describeError(error);
        throw error;
      },
    );
    this.writing = writing.finally(() => {
      this.writing = null;
      this.inWrite = 0;
      if (this.failed === null && this.pending.length > 0) this.start().catch(() => {});
      for (const wake of this.roomWaiters.splice(0)) wake();
    });
    return this.writing;
  }
}
