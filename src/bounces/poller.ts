/** The daemon reads the bounce mailbox every `poll`; a failed pass is logged and tried again next time. */
import type { Logger } from '../log.js';
import type { PassReport } from './imap.js';
import { describeError } from '../errors.js';

export class BouncePoller {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  lastError: string | null = null;

  constructor(
    private readonly pass: () => Promise<PassReport>,
    private readonly everyMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = null;
        this.schedule(this.everyMs);
      });
    }, ms);
    this.timer.unref();
  }

  private async runOnce(): Promise<void> {
    try {
      const r = await this.pass();
      this.lastError = null;
      if (r.processed + r.unrecognised > 0)
        this.log.info({ event: 'bounces.pass', ...r }, 'bounce mailbox read');
    } catch (error) {
      this.lastError = describeError(error);
      this.log.warn(
        { event: 'bounces.pass_failed', error: this.lastError },
        'could not read the bounce mailbox',
      );
    }
  }

  /** Stops polling; waits for a pass in progress. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
