/**
 * Spaces sends evenly at `perSecond` across the whole pool: no bursts above the rate.
 * The clock and the wait are injected so tests can drive it.
 */
export interface RateLimiterDeps {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export class RateLimiter {
  private next = 0;
  private intervalMs: number;

  constructor(
    perSecond: number,
    private readonly deps: RateLimiterDeps,
  ) {
    this.intervalMs = 1000 / perSecond;
  }

  /** Resolves when the caller may send one message. */
  async take(): Promise<void> {
    const now = this.deps.now();
    const slot = Math.max(now, this.next);
    this.next = slot + this.intervalMs;
    if (slot > now) await this.deps.sleep(slot - now);
  }

  setRate(perSecond: number): void {
    this.intervalMs = 1000 / perSecond;
  }
}
