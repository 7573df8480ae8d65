/**
 * Messages the relay accepted in the last minute, counted in one-second buckets: constant memory
 * and constant time per send, for the worker's status row.
 */
const SECONDS = 60;

export class SendCounter {
  private readonly counts = new Array<number>(SECONDS).fill(0);
  /** The second (epoch) each bucket counts. */
  private readonly seconds = new Array<number>(SECONDS).fill(-1);

  add(now: number): void {
    const second = Math.floor(now / 1000);
    const i = second % SECONDS;
    if (this.seconds[i] !== second) {
      this.seconds[i] = second;
      this.counts[i] = 0;
    }
    this.counts[i] = (this.counts[i] ?? 0) + 1;
  }

  /** Accepted in the 60 seconds up to `now`. */
  lastMinute(now: number): number {
    const second = Math.floor(now / 1000);
    let total = 0;
    for (let i = 0; i < SECONDS; i++) {
      const s = this.seconds[i] ?? -1;
      if (s > second - SECONDS && s <= second) total += this.counts[i] ?? 0;
    }
    return total;
  }
}
