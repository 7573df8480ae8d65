/**
 * Broadcasts in `rapport upcoming`: the rows already planned and pending in the books, and for a
 * broadcast the daemon has not planned to the end yet, the rest of its audience as the planner
 * would plan it now (nothing is written).
 */
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { audiencePage } from '../db/customers-audience.js';
import { broadcastsWithStatus, getBroadcasts, pendingBroadcastRows } from '../db/broadcasts.js';
import { customerZone, planPolicyFromConfig } from '../plan/plan.js';
import { localIso, TimeCache } from '../plan/time.js';
import type { ForecastLine } from '../schedule/forecast.js';
import { planBroadcastFor } from './plan.js';
import { addressOwners } from './planner.js';
import { broadcastIdOf, type Broadcast } from './types.js';

const PAGE = 1000;

export async function upcomingBroadcasts(
  db: Database,
  config: Config,
  now: number,
  to: number,
): Promise<ForecastLine[]> {
  const policy = planPolicyFromConfig(config);
  const cache = new TimeCache();
  const rows = await pendingBroadcastRows(db.knex, to);
  const ids = rows.flatMap((r) => broadcastIdOf(r.automation_id) ?? []);
  const broadcasts = await getBroadcasts(db.knex, ids);
  const lines: ForecastLine[] = rows.map((r) => {
    const zone = customerZone({ timezone: r.timezone }, policy, cache);
    return {
      automation: r.automation_id,
      customer_id: r.customer_id,
      email: r.email,
      occurrence: 'once',
      send_at: new Date(Math.max(r.available_at, now)).toISOString(),
      local_time: localIso(cache, zone, Math.max(r.available_at, now)),
      template: broadcasts.get(broadcastIdOf(r.automation_id) ?? 0)?.template ?? '',
      outcome: 'send',
      reason: null,
    };
  });
  for (const b of await broadcastsWithStatus(db.knex, 'scheduled')) {
    await forecastUnplanned(db, b, { now, to, policy, cache }, lines);
  }
  return lines;
}

async function forecastUnplanned(
  db: Database,
  b: Broadcast,
  o: { now: number; to: number; policy: ReturnType<typeof planPolicyFromConfig>; cache: TimeCache },
  lines: ForecastLine[],
): Promise<void> {
  let after = b.plannedThrough;
  for (;;) {
    const page = await audiencePage(db.knex, b.audience, b.createdAt, after, PAGE);
    const owners = await addressOwners(db, b, page);
    for (const c of page) {
      const p = planBroadcastFor(b, c, owners.has(c.id), o.now, o.policy, o.cache);
      if (p.dueAt >= o.to || p.status === 'expired') continue;
      lines.push({
        automation: p.automationId,
        customer_id: c.id,
        email: c.email,
        occurrence: p.occurrence,
        send_at: new Date(p.dueAt).toISOString(),
        local_time: p.localTime,
        template: b.template,
        outcome: p.status === 'pending' ? 'send' : 'skip',
        reason: p.reason,
      });
    }
    if (page.length < PAGE) return;
    after = page.at(-1)?.id ?? after;
  }
}
