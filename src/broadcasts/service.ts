/**
 * Broadcasts as staff use them, from the CLI now and the console later: count an audience,
 * create, list, cancel, and look at one. The author is passed in; nothing here reads a clock
 * or the environment.
 */
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import type { DeliveryStatus } from '../domain.js';
import { AppError } from '../errors.js';
import { countAudienceRows } from '../db/customers-audience.js';
import {
  broadcastStatusCounts,
  broadcastZoneCounts,
  cancelBroadcastRow,
  getBroadcast,
  insertBroadcast,
  listBroadcastRows,
} from '../db/broadcasts.js';
import { hasPublishedTemplate } from '../db/templates.js';
import { TimeCache } from '../plan/time.js';
import { checkAudience } from './audience.js';
import { checkNotPast } from './plan.js';
import type { Audience, Broadcast, SendAt } from './types.js';

export interface BroadcastDeps {
  db: Database;
  config: Config;
  now: () => number;
}

export interface BroadcastInput {
  template: string;
  audience: Audience;
  sendAt: SendAt;
  name?: string;
  transactional?: boolean;
}

export type DeliveryCounts = Record<'sent' | 'pending' | 'skipped' | 'failed', number> &
  Partial<Record<DeliveryStatus, number>>;

export interface BroadcastListEntry extends Broadcast {
  counts: DeliveryCounts;
}

export interface BroadcastDetail extends BroadcastListEntry {
  /** Deliveries by the customer's stored zone (null: none on file, the business's zone). */
  zones: Array<{ zone: string | null; counts: Partial<Record<DeliveryStatus, number>> }>;
}

/** How many customers the audience holds now: subscribed, not opted out, not suppressed. */
export async function countAudience(deps: BroadcastDeps, audience: Audience): Promise<number> {
  return countAudienceRows(deps.db.knex, checkAudience(audience), deps.now());
}

/**
 * A scheduled broadcast; the daemon plans it on its next tick. A template without a published
 * version, a date already past everywhere or an over-long name is refused, naming it.
 */
export async function createBroadcast(
  deps: BroadcastDeps,
  input: BroadcastInput,
  author: string,
): Promise<Broadcast> {
  const now = deps.now();
  const audience = checkAudience(input.audience);
  if (!(await hasPublishedTemplate(deps.db.knex, input.template))) {
    throw new AppError(
      'E_TEMPLATE_MISSING',
      `no published template "${input.template}" (see rapport templates list)`,
    );
  }
  checkNotPast(input.sendAt, now, new TimeCache());
  const name = (input.name ?? `${input.template} ${new Date(now).toISOString().slice(0, 10)}`).trim();
  if (name.length === 0 || name.length > 200) {
    throw new AppError('E_USAGE', `name: "${name}" must be 1 to 200 characters`);
  }
  const audienceCount = await countAudienceRows(deps.db.knex, audience, now);
  return insertBroadcast(
    deps.db.knex,
    {
      name,
      template: input.template,
      audience,
      sendAt: input.sendAt,
      transactional: input.transactional ?? false,
      status: 'scheduled',
      audienceCount,
      createdBy: author,
    },
    now,
  );
}

function withCounts(b: Broadcast, counts: Partial<Record<DeliveryStatus, number>> | undefined) {
  return { ...b, counts: { sent: 0, pending: 0, skipped: 0, failed: 0, ...counts } };
}

/** The latest broadcasts, newest first, with their deliveries counted by status. */
export async function listBroadcasts(deps: BroadcastDeps, limit = 200): Promise<BroadcastListEntry[]> {
  const rows = await listBroadcastRows(deps.db.knex, limit);
  const counts = await broadcastStatusCounts(
    deps.db.knex,
    rows.map((b) => b.id),
  );
  return rows.map((b) => withCounts(b, counts.get(b.id)));
}

async function mustGet(deps: BroadcastDeps, id: number): Promise<Broadcast> {
  const b = Number.isSafeInteger(id) ? await getBroadcast(deps.db.knex, id) : undefined;
  if (!b) throw new AppError('E_NOT_FOUND', `no broadcast ${id} (see rapport broadcast list)`);
  return b;
}

/** One broadcast with its deliveries by status and by zone. */
export async function broadcastDetail(deps: BroadcastDeps, id: number): Promise<BroadcastDetail> {
  const b = await mustGet(deps, id);
  const counts = (await broadcastStatusCounts(deps.db.knex, [id])).get(id);
  const zones = new Map<string | null, Partial<Record<DeliveryStatus, number>>>();
  for (const r of await broadcastZoneCounts(deps.db.knex, id)) {
    const z = zones.get(r.zone) ?? {};
    z[r.status] = r.n;
    zones.set(r.zone, z);
  }
  return { ...withCounts(b, counts), zones: [...zones].map(([zone, c]) => ({ zone, counts: c })) };
}

/**
 * Stops a broadcast that has not finished: what is still pending is skipped
 * (`broadcast-cancelled`); messages a worker has already taken finish. Refused when it is
 * sent or already cancelled.
 */
export async function cancelBroadcast(
  deps: BroadcastDeps,
  id: number,
  author: string,
): Promise<{ broadcast: Broadcast; skipped: number }> {
  await mustGet(deps, id);
  const skipped = await cancelBroadcastRow(deps.db.knex, id, author, deps.now());
  if (skipped === null) {
    const { status } = await mustGet(deps, id);
    const state = status === 'cancelled' ? 'already cancelled' : status;
    throw new AppError('E_BROADCAST_DONE', `broadcast ${id} is ${state}: nothing to cancel`);
  }
  return { broadcast: await mustGet(deps, id), skipped };
}
