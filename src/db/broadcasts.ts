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
import { chunks, IN_CHUNK } from './rows.js';
import { AppError } from '../errors.js';
import { DELIVERY_STATUSES } from '../domain.js';
import {
  bool,
  jsonObject,
  num,
  numOrNull,
  oneOf,
  rowOf,
  rowsOf,
  str,
  stringList,
  stringMap,
  strOrNull,
  type Row,
} from './read.js';

const BROADCAST_STATUSES: readonly BroadcastStatus[] = ['draft', 'scheduled', 'sending', 'sent', 'cancelled'];

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

/** The stored audience; keys it does not have stay absent ({} is everyone). */
function toAudience(r: Row): Audience {
  const stored = jsonObject(r, 'audience');
  return {
    ...(stored.tags !== undefined ? { tags: stringList(stored.tags) } : {}),
    ...(stored.attributes !== undefined ? { attributes: stringMap(stored.attributes) } : {}),
  };
}

function toBroadcast(r: Row): Broadcast {
  const sendAt: SendAt =
    r.send_kind === 'now'
      ? { kind: 'now' }
      : { kind: 'at', time: str(r, 'send_time'), date: strOrNull(r, 'send_date') };
  return {
    id: num(r, 'id'),
    name: str(r, 'name'),
    template: str(r, 'template'),
    audience: toAudience(r),
    sendAt,
    transactional: bool(r, 'transactional'),
    status: oneOf(r, 'status', BROADCAST_STATUSES),
    audienceCount: num(r, 'audience_count'),
    plannedThrough: strOrNull(r, 'planned_through'),
    createdBy: str(r, 'created_by'),
    createdAt: num(r, 'created_at'),
    cancelledBy: strOrNull(r, 'cancelled_by'),
    cancelledAt: numOrNull(r, 'cancelled_at'),
  };
}

export async function insertBroadcast(knex: Knex, b: NewBroadcast, now: number): Promise<Broadcast> {
  const [row] = rowsOf(
    await knex('broadcasts').insert(
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
    ),
  );
  if (!row) throw new AppError('E_DB_ROW', 'The database returned no row for the inserted broadcast');
  return toBroadcast(row);
}

export async function getBroadcast(knex: Knex, id: number): Promise<Broadcast | undefined> {
  const row = rowOf(await knex('broadcasts').where({ id }).first());
  return row && toBroadcast(row);
}

/** Broadcasts by id (those that exist). */
export async function getBroadcasts(knex: Knex, ids: readonly number[]): Promise<Map<number, Broadcast>> {
  const out = new Map<number, Broadcast>();
  for (const batch of chunks([...new Set(ids)], IN_CHUNK)) {
    for (const r of rowsOf(await knex('broadcasts').whereIn('id', batch))) {
      const b = toBroadcast(r);
      out.set(b.id, b);
    }
  }
  return out;
}

/** Newest first. */
export async function listBroadcastRows(knex: Knex, limit = 200): Promise<Broadcast[]> {
  return rowsOf(await knex('broadcasts').orderBy('id', 'desc').limit(limit)).map(toBroadcast);
}

export async function broadcastsWithStatus(knex: Knex, status: BroadcastStatus): Promise<Broadcast[]> {
  return rowsOf(await knex('broadcasts').where({ status }).orderBy('id')).map(toBroadcast);
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
    const open = rowOf(
      await knex('deliveries')
        .where('automation_id', broadcastAutomationId(b.id))
        .whereIn('status', ['pending', 'sending'])
        .first('id'),
    );
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
    const rows = rowsOf(
      await knex('deliveries')
        .whereIn('automation_id', batch.map(broadcastAutomationId))
        .select('automation_id', 'status')
        .count({ n: '*' })
        .groupBy('automation_id', 'status'),
    );
    for (const r of rows) {
      const id = Number(str(r, 'automation_id').slice(BROADCAST_PREFIX.length));
      const counts = out.get(id) ?? {};
      counts[oneOf(r, 'status', DELIVERY_STATUSES)] = num(r, 'n');
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
  const rows = rowsOf(
    await knex('deliveries as d')
      .leftJoin('customers as c', 'c.id', 'd.customer_id')
      .where('d.automation_id', broadcastAutomationId(id))
      .select('c.timezone as zone', 'd.status')
      .count({ n: '*' })
      .groupBy('c.timezone', 'd.status')
      .orderBy([{ column: 'c.timezone' }, { column: 'd.status' }]),
  );
  return rows.map((r) => ({
    zone: strOrNull(r, 'zone'),
    status: oneOf(r, 'status', DELIVERY_STATUSES),
    n: num(r, 'n'),
  }));
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
  const rows = rowsOf(
    await knex('deliveries as d')
      .join('customers as c', 'c.id', 'd.customer_id')
      .where('d.status', 'pending')
      .where('d.automation_id', 'like', `${BROADCAST_PREFIX}%`)
      .where('d.available_at', '<', to)
      .select('d.automation_id', 'd.customer_id', 'd.available_at', 'c.email', 'c.timezone'),
  );
  return rows.map((r) => ({
    automation_id: str(r, 'automation_id'),
    customer_id: str(r, 'customer_id'),
    available_at: num(r, 'available_at'),
    email: str(r, 'email'),
    timezone: strOrNull(r, 'timezone'),
  }));
}
