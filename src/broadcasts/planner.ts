/**
 * Planning scheduled broadcasts into deliveries, page by page in customer id order, so a
 * million customers never load at once. The audience is fixed when it is planned: customers
 * added after the broadcast was created are not in it. A page's rows go in with the unique
 * occurrence key, so planning a page twice (a crash, two workers) changes nothing; progress is
 * kept on the broadcast, so a restart resumes after the last page stored.
 */
import type { Config } from '../config/schema.js';
import type { Customer } from '../domain.js';
import type { Database } from '../db/connect.js';
import { addressKey } from '../address.js';
import { othersAtAddresses } from '../db/customers.js';
import { audienceAmong, audiencePage } from '../db/customers-audience.js';
import { broadcastsWithStatus, finishSent, getBroadcast, markPlanned } from '../db/broadcasts.js';
import { insertPlanned } from '../db/deliveries.js';
import { planPolicyFromConfig } from '../plan/plan.js';
import { TimeCache } from '../plan/time.js';
import type { PlanPolicy } from '../plan/types.js';
import { planBroadcastFor } from './plan.js';
import type { Broadcast } from './types.js';

const PAGE = 1000;

export interface BroadcastPlanReport {
  /** Deliveries new in the books. */
  inserted: number;
  /** Broadcasts that became `sent` (nothing left to send). */
  finished: number;
}

/** Plan every scheduled broadcast to the end of its audience, then mark finished ones sent. */
export async function planBroadcasts(
  db: Database,
  config: Config,
  now: number,
  pageSize = PAGE,
): Promise<BroadcastPlanReport> {
  const policy = planPolicyFromConfig(config);
  const cache = new TimeCache();
  let inserted = 0;
  for (const broadcast of await broadcastsWithStatus(db.knex, 'scheduled')) {
    inserted += await planOne(db, broadcast, { now, policy, cache, pageSize });
  }
  return { inserted, finished: await finishSent(db.knex, now) };
}

interface PlanContext {
  now: number;
  policy: PlanPolicy;
  cache: TimeCache;
  pageSize: number;
}

async function planOne(db: Database, broadcast: Broadcast, ctx: PlanContext): Promise<number> {
  let after = broadcast.plannedThrough;
  let inserted = 0;
  for (;;) {
    const page = await audiencePage(db.knex, broadcast.audience, broadcast.createdAt, after, ctx.pageSize);
    const owners = await addressOwners(db, broadcast, page);
    const planned = page.map((c) =>
      planBroadcastFor(broadcast, c, owners.has(c.id), ctx.now, ctx.policy, ctx.cache),
    );
    // Cancelled meanwhile: stop. A row stored just before a cancel is skipped at claim time.
    const current = await getBroadcast(db.knex, broadcast.id);
    if (current?.status !== 'scheduled') return inserted;
    if (planned.length > 0) inserted += await insertPlanned(db.knex, planned, ctx.now);
    after = page.at(-1)?.id ?? after;
    const done = page.length < ctx.pageSize;
    if (!(await markPlanned(db.knex, broadcast.id, after, done, ctx.now)) || done) return inserted;
  }
}

/**
 * The customers of this page who get their address's copy: no record with a lower id at the
 * same address (any letter case) is in the audience too. Looked up across pages, as the
 * records sharing an address need not be on one page.
 */
export async function addressOwners(
  db: Database,
  broadcast: Broadcast,
  page: readonly Customer[],
): Promise<Set<string>> {
  const owners = new Set(page.map((c) => c.id));
  const others = await othersAtAddresses(db.knex, page);
  if (others.size === 0) return owners;
  const shared = [...others.values()].flat().map((c) => c.id);
  const inAudience = await audienceAmong(db.knex, broadcast.audience, broadcast.createdAt, shared);
  for (const c of page) {
    const lower = (others.get(addressKey(c.email)) ?? []).some((o) => o.id < c.id && inAudience.has(o.id));
    if (lower) owners.delete(c.id);
  }
  return owners;
}
