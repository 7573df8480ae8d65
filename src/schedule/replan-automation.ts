/**
 * After an automation changed: what is already planned for it (up to the planning watermark)
 * is brought in line with the new definition, so a change takes effect at once instead of
 * after the planned horizon, and nothing planned under the old one goes out as well.
 * No backfill: an occurrence the new definition puts in the past is not planned now.
 */
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { insertPlanned } from '../db/deliveries.js';
import { reconcileAutomationPending } from '../db/deliveries-automation.js';
import { getNumberState } from '../db/state.js';
import type { PlannedDelivery } from '../plan/types.js';
import { PlanRun, planWindow } from './plan-service.js';
import { STATE } from './tick.js';

const DAY = 86_400_000;

export interface ReplanReport {
  /** New rows for occurrences ahead. */
  inserted: number;
  /** Pending rows moved to the new time. */
  moved: number;
  /** Pending rows the new definition no longer has (deleted: they were never attempted). */
  cancelled: number;
}

/**
 * Re-plans automation `id` as `config` now defines it. A disabled automation is left alone:
 * its pending rows are skipped when claimed (`automation-disabled`), visibly in the books.
 */
export async function replanAutomation(
  db: Database,
  config: Config,
  id: string,
  now: number,
): Promise<ReplanReport> {
  const automation = config.automations.find((a) => a.id === id);
  const plannedTo = await getNumberState(db.knex, STATE.plannedTo);
  // Never planned yet (no tick ran): the first tick plans with the new definition anyway.
  if (!automation?.enabled || plannedTo === undefined) return { inserted: 0, moved: 0, cancelled: 0 };
  const planned: PlannedDelivery[] = [];
  const run = new PlanRun(db, { ...config, automations: [automation] }, now, false, (page) => {
    for (const p of page) planned.push(p);
  });
  // As far back as a pending row can be (max_lateness, and a day for send windows).
  await planWindow(run, { from: now - config.sending.max_lateness - DAY, to: plannedTo });
  const { moved, cancelled } = await reconcileAutomationPending(db.knex, id, planned, now);
  const ahead = planned.filter((p) => p.dueAt >= now);
  const inserted = ahead.length > 0 ? await insertPlanned(db.knex, ahead, now) : 0;
  return { inserted, moved, cancelled };
}
