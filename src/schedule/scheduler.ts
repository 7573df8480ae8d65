/**
 * node-cron wakes the worker on `worker.tick`; each wake runs one planning tick, then hints the
 * delivery loop. Overlapping ticks are skipped (noOverlap) — the next one covers the gap.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { runTick, type TickReport } from './tick.js';
import { describeError } from '../errors.js';
import { OccasionCalendar } from '../occasions/resolve.js';
import { missingOccasionDates } from '../occasions/warnings.js';
import type { AppEvents } from '../events.js';

export interface SchedulerOptions {
  db: Database;
  config: Config;
  now(): number;
  /** Runs before each tick (reloads changed automations, so a tick never plans with an old set). */
  beforeTick?(): Promise<unknown>;
  afterTick?(report: TickReport): void;
  /** Where ticks ('tick:end', 'tick:failed') and occasions without a date are reported (and logged). */
  events: AppEvents;
}

export class Scheduler {
  private task: ScheduledTask | null = null;
  lastTickAt: number | null = null;
  lastError: string | null = null;
  /** Occasion years already warned about: once per process, not every minute. */
  private readonly warned = new Set<string>();

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    if (this.task) return;
    this.task = cron.schedule(this.options.config.worker.tick, () => this.tick(), {
      noOverlap: true,
      name: 'rapport-tick',
      // Our own logger reports ticks; node-cron's missed-execution warnings would be noise.
      suppressMissedWarning: true,
    });
  }

  /** Run one tick now; errors are reported ('tick:failed') and kept for /readyz, never thrown. */
  async tick(): Promise<TickReport | null> {
    const { db, config, events } = this.options;
    const now = this.options.now();
    this.warnMissingDates(now);
    try {
      await this.options.beforeTick?.();
      const started = performance.now();
      const report = await runTick(db, config, now);
      const { planned, inserted } = report;
      this.lastTickAt = now;
      this.lastError = null;
      events.emit('tick:end', { at: now, planned, inserted, ms: performance.now() - started });
      this.options.afterTick?.(report);
      return report;
    } catch (error) {
      this.lastError = describeError(error);
      events.emit('tick:failed', { at: now, error: this.lastError });
      return null;
    }
  }

  /** This year's and next year's occasions without a known date, reported once each. */
  private warnMissingDates(now: number): void {
    const { config, events } = this.options;
    const year = new Date(now).getUTCFullYear();
    const calendar = new OccasionCalendar(config.occasions);
    for (const m of missingOccasionDates(config.automations, calendar, [year, year + 1])) {
      const key = `${m.automation}\u0000${m.year}`;
      if (this.warned.has(key)) continue;
      this.warned.add(key);
      events.emit('occasion:date_missing', m);
    }
  }

  nextTickAt(): number | null {
    return this.task?.getNextRun()?.getTime() ?? null;
  }

  async stop(): Promise<void> {
    if (!this.task) return;
    const task = this.task;
    this.task = null;
    await task.stop();
    await task.destroy();
  }
}
