/**
 * The dashboard: outcomes per day for the last 30 days and per automation, what is queued for
 * the next 24 hours, and health as the database records it. Days are UTC days. Outcome counts
 * come from delivery_outcomes, which the database keeps exact as rows change (see
 * db/delivery-outcomes.ts): a delivery counts on the day its row last changed, which for sent
 * mail is when the relay accepted it.
 */
import type { Database } from '../../db/connect.js';
import { queuedBetween } from '../../db/deliveries-console.js';
import { outcomeCounts, type OutcomeStatus } from '../../db/delivery-outcomes.js';
import { unsubscribesByDay } from '../../db/consent.js';
import { countDue } from '../../db/deliveries.js';
import { getNumberState } from '../../db/state.js';
import { STATE } from '../../schedule/tick.js';
import { describeError } from '../../errors.js';
import { listWorkerStatus } from '../../db/worker-status.js';
import { workerView, type WorkerView } from '../../health/worker-view.js';

const DAY = 86_400_000;
const DASHBOARD_DAYS = 30;

export interface DayCounts {
  /** YYYY-MM-DD (UTC) */
  day: string;
  sent: number;
  failed: number;
  suppressed: number;
  unsubscribed: number;
}

export interface Dashboard {
  days: DayCounts[];
  automations: Array<{ automation: string; sent: number; failed: number; suppressed: number }>;
  queued_next_24h: { total: number; by_automation: Array<{ automation: string; n: number }> };
  health: {
    database: 'ok' | string;
    /** When the planner last ticked (any worker), epoch ms, or null if never. */
    last_tick: number | null;
    /** Pending sends already due: a backlog when it stays high. */
    due_now: number;
    /** Every worker's own report (heartbeat, relay, breaker), as any console reads it. */
    workers: WorkerView[];
  };
}

/** Sent includes mail that later bounced or was reported: it went out. */
const SENT: OutcomeStatus[] = ['sent', 'bounced', 'complained'];
const KIND: Readonly<Record<string, 'sent' | 'failed' | 'suppressed'>> = {
  sent: 'sent',
  bounced: 'sent',
  complained: 'sent',
  failed: 'failed',
  suppressed: 'suppressed',
};

export async function dashboard(db: Database, now: number): Promise<Dashboard> {
  const today = Math.floor(now / DAY);
  const since = (today - DASHBOARD_DAYS + 1) * DAY;
  const days = new Map<number, DayCounts>();
  for (let d = today - DASHBOARD_DAYS + 1; d <= today; d++) {
    days.set(d, {
      day: new Date(d * DAY).toISOString().slice(0, 10),
      sent: 0,
      failed: 0,
      suppressed: 0,
      unsubscribed: 0,
    });
  }
  const byAutomation = new Map<
    string,
    { automation: string; sent: number; failed: number; suppressed: number }
  >();
  for (const row of await outcomeCounts(
    db.knex,
    [...SENT, 'failed', 'suppressed'],
    today - DASHBOARD_DAYS + 1,
  )) {
    const kind = KIND[row.status] as 'sent' | 'failed' | 'suppressed';
    const day = days.get(row.day);
    if (day) day[kind] += row.n;
    const a = byAutomation.get(row.automation_id) ?? {
      automation: row.automation_id,
      sent: 0,
      failed: 0,
      suppressed: 0,
    };
    a[kind] += row.n;
    byAutomation.set(row.automation_id, a);
  }
  for (const [d, n] of await unsubscribesByDay(db.knex, since)) {
    const day = days.get(d);
    if (day) day.unsubscribed += n;
  }
  const queued = await queuedBetween(db.knex, now, now + DAY);
  return {
    days: [...days.values()],
    automations: [...byAutomation.values()].sort((a, b) => a.automation.localeCompare(b.automation)),
    queued_next_24h: {
      total: queued.reduce((sum, q) => sum + q.n, 0),
      by_automation: queued
        .map((q) => ({ automation: q.automation_id, n: q.n }))
        .sort((a, b) => a.automation.localeCompare(b.automation)),
    },
    health: await health(db, now),
  };
}

async function health(db: Database, now: number): Promise<Dashboard['health']> {
  try {
    return {
      database: 'ok',
      last_tick: (await getNumberState(db.knex, STATE.lastTick)) ?? null,
      due_now: await countDue(db.knex, now),
      workers: (await listWorkerStatus(db.knex)).map((row) => workerView(row, now)),
    };
  } catch (error) {
    return { database: describeError(error), last_tick: null, due_now: 0, workers: [] };
  }
}
