/**
 * One day of outreach on a virtual clock, from the business's midnight to the next: a planning
 * tick every hour (planning the hour ahead), and every 15 minutes delivery batches until nothing
 * due is left. The daemon's own calls, only without waiting for the wall clock.
 */
import type { DbRuntime } from '../src/runtime.js';
import { createApp } from '../src/app.js';
import { getNumberState, setState } from '../src/db/state.js';
import { STATE } from '../src/schedule/tick.js';
import type { DemoDay } from './day.js';

const STEP_MS = 15 * 60_000;
/**
 * Each tick replans every customer a schedule rule may concern, which is everyone on the days
 * around a weekly digest; hourly ticks keep the demo quick. The demo's `worker.horizon` must be
 * at least this long (see demo.ts), so every hour is planned before it starts.
 */
export const PLAN_EVERY_MS = 60 * 60_000;

/** The time the demo's runtime sees; the day's loop moves it. */
export interface VirtualClock {
  now: number;
}

export interface DayReport {
  ticks: number;
  /** Deliveries new in the books. */
  planned: number;
  batches: number;
  sent: number;
}

/**
 * The daemon is taken to have been running until the day began: planning starts at midnight
 * rather than catching up on yesterday. A second run of the same day finds the watermark
 * already past it and plans, and sends, nothing.
 */
async function startAtMidnight(rt: DbRuntime, day: DemoDay): Promise<void> {
  if ((await getNumberState(rt.db.knex, STATE.plannedTo)) === undefined) {
    await setState(rt.db.knex, STATE.plannedTo, String(day.start), day.start);
  }
}

/** `rt.now` must read `clock.now`. */
export async function runDay(rt: DbRuntime, clock: VirtualClock, day: DemoDay): Promise<DayReport> {
  await startAtMidnight(rt, day);
  const app = await createApp(rt);
  const report: DayReport = { ticks: 0, planned: 0, batches: 0, sent: 0 };
  try {
    for (let t = day.start; t <= day.end; t += STEP_MS) {
      clock.now = t;
      if ((t - day.start) % PLAN_EVERY_MS === 0) {
        const tick = await app.tick();
        report.ticks++;
        report.planned += tick.inserted;
      }
      for (const batch of await app.drain()) {
        report.batches++;
        report.sent += batch.sent;
      }
    }
    return report;
  } finally {
    await app.close();
  }
}
