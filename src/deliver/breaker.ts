/**
 * A circuit breaker for the whole transport. Sending pauses when the relay refuses *us* (our
 * sender, our login: `trip`, at once) or keeps failing outright (`failure`, after `threshold`
 * in a row). A pause lasts `openMs`; then one message goes as a probe while the others wait for
 * its answer. If the relay takes part (accepts it, or refuses only that recipient or message)
 * sending resumes; if it refuses us again the pause starts over, twice as long, up to
 * `maxOpenMs`. So a relay that stays broken sees one message every few minutes, never the backlog.
 */
export interface BreakerOptions {
  now(): number;
  threshold?: number;
  openMs?: number;
  maxOpenMs?: number;
}

/** What `admit` decided: send (closed), send as the one probe, or do not send now. */
export type Admission = 'send' | 'probe' | false;

export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private openFor: number;
  private pausedSince = 0;
  /** Why sending is paused; null while it is not. */
  private why: string | null = null;
  private probe: { done: Promise<void>; settle: () => void } | null = null;
  private readonly threshold: number;
  private readonly baseOpenMs: number;
  private readonly maxOpenMs: number;

  constructor(private readonly options: BreakerOptions) {
    this.threshold = options.threshold ?? 5;
    this.baseOpenMs = options.openMs ?? 15_000;
    this.maxOpenMs = options.maxOpenMs ?? 5 * 60_000;
    this.openFor = this.baseOpenMs;
  }

  /** Why sending is paused (until a probe goes through), or null. For `/readyz` and `status`. */
  get reason(): string | null {
    return this.why;
  }

  /** When the current pause began, while sending is paused; null otherwise. */
  get openedAt(): number | null {
    return this.why === null ? null : this.pausedSince;
  }

  /** Paused, including while a probe is due or in flight. */
  get isOpen(): boolean {
    return this.why !== null;
  }

  /** When the next probe may go, while that is still ahead; null otherwise. */
  get reopensAt(): number | null {
    return this.why !== null && this.options.now() < this.openUntil ? this.openUntil : null;
  }

  /** Milliseconds until the next probe may go, by the breaker's own clock; null when none is awaited. */
  get reopensInMs(): number | null {
    const at = this.reopensAt;
    return at === null ? null : at - this.options.now();
  }

  /** May a message start? Waits while another message is the probe, for its answer. */
  async admit(): Promise<Admission> {
    for (;;) {
      if (this.why === null) return 'send';
      if (this.options.now() < this.openUntil) return false;
      if (!this.probe) {
        let settle = () => {};
        const done = new Promise<void>((resolve) => (settle = resolve));
        this.probe = { done, settle };
        return 'probe';
      }
      await this.probe.done;
    }
  }

  /**
   * The relay took part normally. Returns the reason of the pause this ends (and how long it
   * lasted), or null when sending was not paused.
   */
  success(): { reason: string; pausedMs: number } | null {
    this.failures = 0;
    this.openFor = this.baseOpenMs;
    const ended =
      this.why === null ? null : { reason: this.why, pausedMs: this.options.now() - this.pausedSince };
    this.why = null;
    this.settleProbe();
    return ended;
  }

  /** A failure of the whole transport; the `threshold`-th in a row (or a failed probe) pauses. Returns true when it paused. */
  failure(reason: string): boolean {
    this.failures++;
    if (this.why === null && this.failures < this.threshold) return false;
    return this.open(`the mail relay keeps failing: ${reason}`);
  }

  /** The relay refused us: pause at once. Returns true when this started (or restarted) a pause. */
  trip(reason: string): boolean {
    return this.open(reason);
  }

  private open(reason: string): boolean {
    const now = this.options.now();
    // Already paused and waiting: the messages in flight when it paused report the same thing.
    if (this.why !== null && now < this.openUntil) return false;
    if (this.why === null) this.pausedSince = now;
    this.why = reason;
    this.failures = 0;
    this.openUntil = now + this.openFor;
    this.openFor = Math.min(this.maxOpenMs, this.openFor * 2);
    this.settleProbe();
    return true;
  }

  private settleProbe(): void {
    const probe = this.probe;
    this.probe = null;
    probe?.settle();
  }
}
