/**
 * Writes delivery outcomes to the books as they come: in one transaction per write, at most
 * one write per `everyMs` while a batch is sending, and everything at the end of the batch.
 *
 * Why not only at the end: mail the relay accepted but we have not recorded is what a crash
 * sends twice. Writing every ~200 ms bounds that to the messages accepted since the last write
 * plus those in flight, instead of a whole batch (500 messages, ten seconds of sending at the
 * default rate) — at a cost of a few small transactions a second, never one per message.
 * What a write could not store (database unwritable, disk full) is kept, in order, for the next.
 */
import type { DeliveryOutcome } from '../db/deliveries.js';

export class OutcomeRecorder {
  private pending: DeliveryOutcome[] = [];
  private writing: Promise<void> | null = null;
  private lastWrite = Number.NEGATIVE_INFINITY;
  /** The last write's error, until a write succeeds: while set, nothing new should be sent. */
  failed: string | null = null;

  constructor(
    private readonly write: (outcomes: DeliveryOutcome[]) => Promise<unknown>,
    private readonly now: () => number,
    private readonly everyMs = 200,
  ) {}

  /** Outcomes not yet in the books. */
  get size(): number {
    return this.pending.length;
  }

  /** Adds one outcome; writes when the last write is `everyMs` old. Never throws (see `failed`). */
  async add(outcome: DeliveryOutcome): Promise<void> {
    this.pending.push(outcome);
    if (this.writing || this.failed !== null || this.now() - this.lastWrite < this.everyMs) return;
    await this.writeAll().catch(() => {});
  }

  /** Writes everything still pending; throws while the database refuses. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing.catch(() => {});
    if (this.pending.length > 0) await this.writeAll();
  }

  private writeAll(): Promise<void> {
    const chunk = this.pending;
    this.pending = [];
    this.lastWrite = this.now();
    const writing = this.write(chunk).then(
      () => {
        this.failed = null;
      },
      (error: unknown) => {
        this.pending = chunk.concat(this.pending);
        this.failed = error instanceof Error ? error.message : String(error);
        throw error;
      },
    );
    this.writing = writing.finally(() => {
      this.writing = null;
    });
    return this.writing;
  }
}
