/** Queries on the `broadcasts` table, and on the deliveries that carry them. */
import type { Knex } from 'knex';
import type { DeliveryStatus } from '../domain.js';
import {
  BROADCAST_CANCELLED,
  BROADCAST_PREFIX,
  broadcastAutomationId,
  type Audience,
  type Broadcast,
  type BroadcastStatus,
  type SendAt,
} from '../broadcasts/types.js';
import { chunks, IN_CHUNK, parseJson, toBool } from './rows.js';

export interface NewBroadcast {
  name: string;
  template: string;
  audience: Audience;
  sendAt: SendAt;
  transactional: boolean;
  status: 'draft' | 'scheduled';
  audienceCount: number;
  createdBy: string;
}

function toBroadcast(r: Record<string, unknown>): Broadcast {
  const sendAt: SendAt =
    r.send_kind === 'now'
      ? { kind: 'now' }
      : { kind: 'at', time: String(r.send_time), date: (r.send_date as string | null) ?? null };
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: Number(r.id),
    name: String(r.name),
    template: String(r.template),
    audience: parseJson<Audience>(r.audience, {}),
    sendAt,
    transactional: toBool(r.transactional),
    status: r.status as BroadcastStatus,
    audienceCount: Number(r.audience_count),
    plannedThrough: (r.planned_through as string | null) ?? null,
    createdBy: String(r.created_by),
    createdAt: Number(r.created_at),
    cancelledBy: (r.cancelled_by as string | null) ?? null,
    cancelledAt: num(r.cancelled_at),
  };
}

export async function insertBroadcast(knex: Knex, b: NewBroadcast, now: number): Promise<Broadcast> {
  const [row] = (await knex('broadcasts').insert(
    {
      name: b.name,
      template: b.template,
      audience: JSON.stringify(b.audience),
      send_kind: b.sendAt.kind,
      send_time: b.sendAt.kind === 'at' ? b.sendAt.time : null,
      send_date: b.sendAt.kind === 'at' ? b.sendAt.date : null,
      transactional: b.transactional,
      status: b.status,
      audience_count: b.audienceCount,
      created_by: b.createdBy,
      created_at: now,
      updated_at: now,
    },
    ['*'],
  )) as Array<Record<string, unknown>>;
  return toBroadcast(row as Record<string, unknown>);
}

export async function getBroadcast(knex: Knex, id: number): Promise<Broadcast | undefined> {
  const row = (await knex('broadcasts').where({ id }).first()) as Record<string, unknown> | undefined;
  return row && toBroadcast(row);
}

/** Broadcasts by id (those that exist). */
export async function getBroadcasts(knex: Knex, ids: readonly number[]): Promise<Map<number, Broadcast>> {
  const out = new Map<number, Broadcast>();
  for (const batch of chunks([...new Set(ids)], IN_CHUNK)) {
    const rows = (await knex('broadcasts').whereIn('id', batch)) as Array<Record<string, unknown>>;
    for (const r of rows) out.set(Number(r.id), toBroadcast(r));
  }
  return out;
}

/** Newest first. */
export async function listBroadcastRows(knex: Knex, limit = 200): Promise<Broadcast[]> {
  const rows = (await knex('broadcasts').orderBy('id', 'desc').limit(limit)) as Array<
    Record<string, unknown>
  >;
  return rows.map(toBroadcast);
}

export async function broadcastsWithStatus(knex: Knex, status: BroadcastStatus): Promise<Broadcast[]> {
  const rows = (await knex('broadcasts').where({ status }).orderBy('id')) as Array<Record<string, unknown>>;
  return rows.map(toBroadcast);
}

/** Records planning progress; only while the broadcast is still scheduled. Returns false otherwise. */
export async function markPlanned(
  knex: Knex,
  id: number,
  through: string | null,
  done: boolean,
  now: number,
): Promise<boolean> {
  const changed = await knex('broadcasts')
    .where({ id, status: 'scheduled' })
    .update({ planned_through: through, ...(done ? { status: 'sending' } : {}), updated_at: now });
  return changed > 0;
}

/** Broadcasts whose every delivery is finished become `sent`. Returns how many did. */
export async function finishSent(knex: Knex, now: number): Promise<number> {
  let done = 0;
  for (const b of await broadcastsWithStatus(knex, 'sending')) {
    const open = (await knex('deliveries')
      .where('automation_id', broadcastAutomationId(b.id))
      .whereIn('status', ['pending', 'sending'])
      .first('id')) as unknown;
    if (open) continue;
    done += await knex('broadcasts')
      .where({ id: b.id, status: 'sending' })
      .update({ status: 'sent', updated_at: now });
  }
  return done;
}

/**
 * Cancels a broadcast that has not finished, in one transaction: its pending rows become
 * `skipped` (`broadcast-cancelled`); rows a worker already claimed finish as they go.
 * Returns the rows skipped, or null when there was nothing to cancel (sent or cancelled).
 */
export async function cancelBroadcastRow(
  knex: Knex,
  id: number,
  by: string,
  now: number,
): Promise<number | null> {
  const skipped = await knex.transaction(async (trx): Promise<number | null> => {
    const changed = await trx('broadcasts')
      .where({ id })
      .whereIn('status', ['draft', 'scheduled', 'sending'])
      .update({ status: 'cancelled', cancelled_by: by, cancelled_at: now, updated_at: now });
    if (changed === 0) return null;
    return trx('deliveries')
      .where({ automation_id: broadcastAutomationId(id), status: 'pending' })
      .update({ status: 'skipped', reason: BROADCAST_CANCELLED, updated_at: now });
  });
  return skipped ?? null;
}

/** Deliveries of each broadcast by status. */
export async function broadcastStatusCounts(
  knex: Knex,
  ids: readonly number[],
): Promise<Map<number, Partial<Record<DeliveryStatus, number>>>> {
  const out = new Map<number, Partial<Record<DeliveryStatus, number>>>();
  for (const batch of chunks([...new Set(ids)], IN_CHUNK)) {
    const rows = (await knex('deliveries')
      .whereIn('automation_id', batch.map(broadcastAutomationId))
      .select('automation_id', 'status')
      .count({ n: '*' })
      .groupBy('automation_id', 'status')) as Array<{
      automation_id: string;
      status: DeliveryStatus;
      n: number | string;
    }>;
    for (const r of rows) {
      const id = Number(r.automation_id.slice(BROADCAST_PREFIX.length));
      const counts = out.get(id) ?? {};
      counts[r.status] = Number(r.n);
      out.set(id, counts);
    }
  }
  return out;
}

/** One broadcast's deliveries by the customer's stored zone (null: none on file) and status. */
export async function broadcastZoneCounts(
  knex: Knex,
  id: number,
): Promise<Array<{ zone: string | null; status: DeliveryStatus; n: number }>> {
  const rows = (await knex('deliveries as d')
    .leftJoin('customers as c', 'c.id', 'd.customer_id')
    .where('d.automation_id', broadcastAutomationId(id))
    .select('c.timezone as zone', 'd.status')
    .count({ n: '*' })
    .groupBy('c.timezone', 'd.status')
    .orderBy([{ column: 'c.timezone' }, { column: 'd.status' }])) as Array<{
    zone: string | null;
    status: DeliveryStatus;
    n: number | string;
  }>;
  return rows.map((r) => ({ zone: r.zone ?? null, status: r.status, n: Number(r.n) }));
}

/** Pending broadcast rows that become claimable before `to`, with the recipient's address and zone. */
export async function pendingBroadcastRows(
  knex: Knex,
  to: number,
): Promise<
  Array<{
    automation_id: string;
    customer_id: string;
    available_at: number;
    email: string;
    timezone: string | null;
  }>
> {
  const rows = (await knex('deliveries as d')
    .join('customers as c', 'c.id', 'd.customer_id')
    .where('d.status', 'pending')
    .where('d.automation_id', 'like', `${BROADCAST_PREFIX}%`)
    .where('d.available_at', '<', to)
    .select('d.automation_id', 'd.customer_id', 'd.available_at', 'c.email', 'c.timezone')) as Array<
    Record<string, unknown>
  >;
  return rows.map((r) => ({
    automation_id: String(r.automation_id),
    customer_id: String(r.customer_id),
    available_at: Number(r.available_at),
    email: String(r.email),
    timezone: (r.timezone as string | null) ?? null,
  }));
}
