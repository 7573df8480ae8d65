/**
 * Keeps the stored forecast fresh from the daemon: every few seconds each worker reads the
 * state row (and the outreach revision) and rebuilds when the forecast is missing, older than
 * `console.upcoming_refresh`, built before the automations last changed, or asked for by
 * someone ("Refresh now"). The lease makes one worker build while the others carry on.
 */
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { readRevision } from '../db/outreach-revision.js';
import { readUpcomingState, type UpcomingState } from '../db/upcoming-state.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { buildUpcoming, type BuildReport } from './upcoming-build.js';

/** How often a worker looks at the state row: one small read. */
const CHECK_MS = 5_000;

export interface RefresherOptions {
  db: Database;
  /** Read at each build: the live automations. */
  config: () => Config;
  log: Pick<Logger, 'info' | 'warn'>;
  now: () => number;
  workerId: string;
  /** Runs before a build (reloads changed automations, so the forecast uses the set now in force). */
  beforeBuild?: () => Promise<unknown>;
}

/** Why the forecast should be rebuilt now, or null when it is fresh. */
export function refreshReason(
  state: UpcomingState,
  revision: number,
  now: number,
  everyMs: number,
): 'missing' | 'stale' | 'automations' | 'requested' | null {
  if (state.generation === null || state.computedAt === null) return 'missing';
  if (state.requestedAt !== null && state.requestedAt > state.computedAt) return 'requested';
  if (state.revision !== revision) return 'automations';
  if (now - state.computedAt >= everyMs) return 'stale';
  return null;
}

export class UpcomingRefresher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<BuildReport | null> | undefined;

  constructor(private readonly o: RefresherOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), CHECK_MS);
    this.timer.unref();
  }

  /** One look: builds when due. Never two at once in this process; failures are logged. */
  check(): Promise<BuildReport | null> {
    this.running ??= this.checkOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async checkOnce(): Promise<BuildReport | null> {
    const { db, log } = this.o;
    try {
      const config = this.o.config();
      const reason = refreshReason(
        await readUpcomingState(db.knex),
        await readRevision(db.knex),
        this.o.now(),
        config.console.upcoming_refresh,
      );
      if (reason === null) return null;
      await this.o.beforeBuild?.();
      const report = await buildUpcoming(db, this.o.config(), {
        now: this.o.now,
        owner: this.o.workerId,
        by: this.o.workerId,
      });
      if (report)
        log.info(
          { event: 'upcoming.refreshed', reason, lines: report.lines, ms: report.ms },
          'upcoming forecast refreshed',
        );
      return report;
    } catch (error) {
      log.warn(
        { event: 'upcoming.refresh_failed', error: describeError(error) },
        'could not refresh the upcoming forecast',
      );
      return null;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
