/**
 * A circuit breaker for the whole transport: when the relay is down or rejects our login,
 * every message would fail the same way. After `threshold` systemic failures in a row we stop
 * sending for a cool-down (doubling up to `maxOpenMs`), instead of burning the backlog.
 */
export interface BreakerOptions {
  now(): number;
  threshold?: number;
  openMs?: number;
  maxOpenMs?: number;
}

export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private openFor: number;
  private readonly threshold: number;
  private readonly baseOpenMs: number;
  private readonly maxOpenMs: number;

  constructor(private readonly options: BreakerOptions) {
    this.threshold = options.threshold ?? 5;
    this.baseOpenMs = options.openMs ?? 15_000;
    this.maxOpenMs = options.maxOpenMs ?? 5 * 60_000;
    this.openFor = this.baseOpenMs;
  }

  allows(): boolean {
    return this.options.now() >= this.openUntil;
  }

  /** Open means sending is paused; reported by `status` and `/readyz`. */
  get isOpen(): boolean {
    return !this.allows();
  }

  get reopensAt(): number | null {
    return this.isOpen ? this.openUntil : null;
  }

  success(): void {
    this.failures = 0;
    this.openFor = this.baseOpenMs;
  }

  failure(): void {
    this.failures++;
    if (this.failures >= this.threshold && this.allows()) {
      this.openUntil = this.options.now() + this.openFor;
      this.openFor = Math.min(this.maxOpenMs, this.openFor * 2);
      this.failures = 0;
    }
  }
}
