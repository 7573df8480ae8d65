/**
 * Spaces sends evenly at `perSecond` across the whole pool of one worker: no bursts above the
 * rate. When the relay says "slow down" (421, 454) the rate halves — at most once a second, so
 * a pool full of messages answered together counts once — never below 1/s; after a second of
 * successes without a new complaint it climbs back by a tenth of the configured rate (additive
 * increase, multiplicative decrease). The clock and the wait are injected so tests can drive it.
 */
export interface RateLimiterDeps {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** A rate change counts once per this long: one halving per burst of complaints, one step up per second. */
const STEP_MS = 1_000;

export class RateLimiter {
  private next = 0;
  private readonly max: number;
  private current: number;
  private lastChange = Number.NEGATIVE_INFINITY;

  constructor(
    perSecond: number,
    private readonly deps: RateLimiterDeps,
  ) {
    this.max = perSecond;
    this.current = perSecond;
  }

  /** The rate in force now, messages per second. */
  get perSecond(): number {
    return this.current;
  }

  /** Resolves when the caller may send one message. */
  async take(): Promise<void> {
    const now = this.deps.now();
    const slot = Math.max(now, this.next);
    this.next = slot + 1000 / this.current;
    // Timers wait at least a millisecond: a shorter wait would cost more than it spaces. The
    // schedule itself (`next`) still advances by the full interval, so the rate holds.
    if (slot - now >= 1) await this.deps.sleep(slot - now);
  }

  /** The relay asked us to slow down. Returns true when the rate changed. */
  slowDown(): boolean {
    const now = this.deps.now();
    const floor = Math.min(1, this.max);
    if (this.current <= floor || now - this.lastChange < STEP_MS) return false;
    this.current = Math.max(floor, this.current / 2);
    this.lastChange = now;
    return true;
  }

  /** A message was accepted: recover toward the configured rate, one step per quiet second. */
  success(): void {
    if (this.current >= this.max) return;
    const now = this.deps.now();
    if (now - this.lastChange < STEP_MS) return;
    this.current = Math.min(this.max, this.current + this.max / 10);
    this.lastChange = now;
  }
}
