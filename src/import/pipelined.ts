/**
 * A long customer import's batches handed to the store's writer thread (CustomerBatchWriter), so
 * that the next rows are read and checked while the previous ones are written. Each batch's
 * shared-address notes and counts reach the report in file order once the batch is committed,
 * the same as when each batch is written before the next is read (SharedAddresses.against).
 * At most MAX_IN_FLIGHT batches wait for the writer: memory stays flat however long the file.
 */
import type { SharedAddresses } from './addresses.js';
import type { Tally } from './tally.js';
import type { CustomerBatchWriter, CustomerPatch } from './types.js';

/** Batches handed over and not yet committed: enough for the writer to join several in one commit. */
const MAX_IN_FLIGHT = 8;

export class PipelinedWrites {
  private readonly queue: Array<Promise<void>> = [];

  constructor(
    private readonly writer: CustomerBatchWriter,
    private readonly tally: Tally,
    private readonly shared: SharedAddresses,
    private readonly now: number,
  ) {}

  /** Hands one batch of good rows to the writer; waits only while too many are not yet committed. */
  async add(rows: ReadonlyArray<{ line: number; value: CustomerPatch }>): Promise<void> {
    const screen = this.shared.screen(rows);
    const count = rows.length;
    const keys = screen.fresh.map((f) => f.key);
    const written = this.writer.write(
      rows.map((row) => row.value),
      keys,
      this.now,
    );
    const reported = written.then(({ counts, atAddresses }) => {
      for (const note of this.shared.against(screen, new Map(atAddresses))) this.tally.note(note);
      this.tally.accept(count, counts);
    });
    // Its failure is thrown where it is awaited in turn (below, or by drain).
    reported.catch(() => {});
    this.queue.push(reported);
    if (this.queue.length >= MAX_IN_FLIGHT) await this.queue.shift();
  }

  /** Waits until every batch handed over is committed; throws the first failure. */
  async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) await next;
  }

  /** Waits for the batches handed over, failed or not, then ends the writer. */
  async close(): Promise<void> {
    await Promise.allSettled(this.queue);
    await this.writer.close();
  }
}
