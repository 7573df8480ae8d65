/**
 * One planning tick. node-cron only wakes us; the schedule lives in the deliveries table.
 * A tick plans the slice of time since the last tick (plus the horizon) for everyone it can
 * concern, and the whole lateness window for customers whose data changed since then.
 * A missed, doubled or late tick does no harm: the occurrence key is unique.
 */
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { iterateCustomers } from '../db/customers.js';
import { customersWithEventsIngestedSince } from '../db/events.js';
import { getNumberState, setState } from '../db/state.js';
import { PlanRun, planCustomers, planWindow, type PlanResult } from './plan-service.js';
import { planBroadcasts, type BroadcastPlanReport } from '../broadcasts/planner.js';

const DAY = 86_400_000;
/** After downtime, occurrences at most this far back are still planned (as expired when too late). */
const MAX_CATCH_UP = 7 * DAY;
/** Changes are re-read with an overlap: clocks of other processes may lag a little. */
const CHANGE_OVERLAP = 5 * 60_000;

export const STATE = {
  plannedTo: 'plan.planned_to',
  changesSeen: 'plan.changes_seen',
  lastTick: 'tick.last',
} as const;

export interface TickReport extends PlanResult {
  window: { from: number; to: number } | null;
  changedCustomers: number;
  /** Scheduled broadcasts planned this tick (their rows are counted in `inserted` too). */
  broadcasts: BroadcastPlanReport;
}

export async function runTick(db: Database, config: Config, now: number): Promise<TickReport> {
  const run = new PlanRun(db, config, now, true);
  const lateness = config.sending.max_lateness;
  const to = now + config.worker.horizon;
  const watermark = await getNumberState(db.knex, STATE.plannedTo);
  const from =
    watermark === undefined ? now - lateness : Math.max(watermark, now - Math.max(lateness, MAX_CATCH_UP));
  const window = from < to ? { from, to } : null;
  if (window) await planWindow(run, window);

  // Changed customers are re-planned up to everything already planned for others: after the
  // clock stepped back (or behind a worker whose clock runs ahead) that is past now + horizon,
  // and a shorter re-plan would cancel pending rows there that the watermark never plans again.
  const plannedTo = Math.max(watermark ?? 0, to);
  const seen = await getNumberState(db.knex, STATE.changesSeen);
  const changedCustomers =
    seen === undefined
      ? 0
      : await planChanged(run, seen - CHANGE_OVERLAP, { from: now - lateness - DAY, to: plannedTo });

  // Broadcasts are planned whole, whatever the horizon: each is one occurrence per customer.
  const broadcasts = await planBroadcasts(db, config, now);
  run.result.inserted += broadcasts.inserted;

  await setState(db.knex, STATE.plannedTo, String(plannedTo), now);
  await setState(db.knex, STATE.changesSeen, String(now), now);
  await setState(db.knex, STATE.lastTick, String(now), now);
  return { ...run.result, window, changedCustomers, broadcasts };
}

/** Plan at once for these customers (an event arrived through the API, an import finished). */
export async function planNow(
  db: Database,
  config: Config,
  now: number,
  customerIds: readonly string[],
): Promise<PlanResult> {
  const run = new PlanRun(db, config, now, true);
  const plannedTo = Math.max(
    (await getNumberState(db.knex, STATE.plannedTo)) ?? 0,
    now + config.worker.horizon,
  );
  await planCustomers(run, customerIds, { from: now - config.sending.max_lateness - DAY, to: plannedTo });
  return run.result;
}

/** Re-plan, page by page, customers changed since `since` and those with new or changed events. */
async function planChanged(
  run: PlanRun,
  since: number,
  window: { from: number; to: number },
): Promise<number> {
  let count = 0;
  for await (const page of iterateCustomers(run.db.knex, { kind: 'updated_since', since })) {
    await run.planPage(page, window, true);
    count += page.length;
  }
  let after: string | null = null;
  for (;;) {
    const ids = await customersWithEventsIngestedSince(run.db.knex, since, after, 1000);
    if (ids.length > 0) await planCustomers(run, ids, window);
    count += ids.length;
    if (ids.length < 1000) return count;
    after = ids.at(-1) ?? after;
  }
}
