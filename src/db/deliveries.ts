/**
 * Queries on the `deliveries` table: the schedule and the books.
 *
 *   pending ──claim──► sending(locked_by, locked_until) ──► sent | failed | suppressed | expired
 *      ▲                       │ temporary failure ──► pending (available_at later)
 *      └── lease expired ──────┘
 */
import type { Knex } from 'knex';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../domain.js';
import type { PlannedDelivery } from '../plan/types.js';
import { chunks, IN_CHUNK, toBool, isPostgres } from './rows.js';
import type { Dialect } from './connect.js';
import { addSuppression } from './suppressions.js';
import { retryOnLockConflict } from './retry.js';
import { insertMessageRecords, type MessageRecord } from './delivery-messages.js';
import { deliveryKeyOf, deliveryKeyText, type DeliveryKey } from '../delivery-key.js';

export interface DeliveryRow {
  id: number;
  automation_id: string;
  customer_id: string;
  occurrence: string;
  event_id: string | null;
  transactional: boolean;
  status: DeliveryStatus;
  reason: string | null;
  trigger_at: number;
  due_at: number;
  available_at: number;
  attempts: number;
  locked_by: string | null;
  locked_until: number | null;
  sent_at: number | null;
  message_id: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

const BIGINTS = [
  'trigger_at',
  'due_at',
  'available_at',
  'locked_until',
  'sent_at',
  'created_at',
  'updated_at',
] as const;

function normalise(row: Record<string, unknown>): DeliveryRow {
  const out = { ...row } as unknown as DeliveryRow;
  for (const key of BIGINTS) {
    const v = row[key];
    (out as unknown as Record<string, unknown>)[key] = v === null || v === undefined ? null : Number(v);
  }
  out.id = Number(row.id);
  out.attempts = Number(row.attempts);
  out.transactional = toBool(row.transactional);
  return out;
}

/**
 * Store planned deliveries; a key that already exists is left as it is (a missed, doubled or
 * late tick plans the same keys again and nothing changes). Returns how many rows were new.
 */
export async function insertPlanned(
  knex: Knex,
  planned: readonly PlannedDelivery[],
  now: number,
): Promise<number> {
  // Two planners may insert the same keys at once (several workers on Postgres): the unique
  // key keeps one row, and a deadlock between them is retried (the insert is idempotent).
  return retryOnLockConflict(() => insertPlannedOnce(knex, planned, now));
}

async function insertPlannedOnce(
  knex: Knex,
  planned: readonly PlannedDelivery[],
  now: number,
): Promise<number> {
  let inserted = 0;
  await knex.transaction(async (trx) => {
    for (const batch of chunks(planned, 500)) {
      const rows = batch.map((p) => ({
        automation_id: p.automationId,
        customer_id: p.customerId,
        occurrence: p.occurrence,
        event_id: p.eventId,
        transactional: p.transactional,
        status: p.status,
        reason: p.reason,
        trigger_at: p.triggerAt,
        due_at: p.dueAt,
        available_at: p.dueAt,
        attempts: 0,
        created_at: now,
        updated_at: now,
      }));
      const result = (await trx('deliveries')
        .insert(rows)
        .onConflict(['automation_id', 'customer_id', 'occurrence'])
        .ignore()
        .returning('id')) as unknown[];
      inserted += result.length;
    }
  });
  return inserted;
}

export interface ClaimOptions {
  workerId: string;
  now: number;
  leaseMs: number;
  limit: number;
}

/**
 * Claim up to `limit` due pending rows for this worker, atomically: one conditional UPDATE.
 * On Postgres, SKIP LOCKED lets several workers claim disjoint batches without waiting.
 */
export async function claimDue(knex: Knex, dialect: Dialect, o: ClaimOptions): Promise<DeliveryRow[]> {
  const set = `status = 'sending', locked_by = ?, locked_until = ?, attempts = attempts + 1, updated_at = ?`;
  const pick = `SELECT id FROM deliveries WHERE status = 'pending' AND available_at <= ? ORDER BY available_at, id LIMIT ?`;
  const bindings = [o.workerId, o.now + o.leaseMs, o.now, o.now, o.limit];
  const sql =
    dialect === 'postgres'
      ? `UPDATE deliveries d SET ${set} FROM (${pick} FOR UPDATE SKIP LOCKED) c WHERE d.id = c.id RETURNING d.*`
      : `UPDATE deliveries SET ${set} WHERE id IN (${pick}) RETURNING *`;
  // One statement: SQLite's busy timeout covers it; past that, a bounded retry.
  const result = await retryOnLockConflict(() => knex.raw(sql, bindings));
  const rows = (dialect === 'postgres' ? result.rows : result) as Record<string, unknown>[];
  return rows.map(normalise).sort((a, b) => a.available_at - b.available_at || a.id - b.id);
}

/** Return rows whose lease ran out (their worker died or stalled) to pending. */
export async function releaseExpiredLeases(knex: Knex, now: number): Promise<number> {
  return knex('deliveries')
    .where('status', 'sending')
    .where('locked_until', '<', now)
    .update({ status: 'pending', locked_by: null, locked_until: null, updated_at: now });
}

export type DeliveryOutcome =
  | { id: number; status: 'sent'; messageId: string; sentAt: number; record?: MessageRecord }
  | { id: number; status: 'pending'; availableAt: number; error: string }
  | {
      id: number;
      status: 'failed' | 'expired' | 'suppressed' | 'skipped';
      reason: string | null;
      error: string | null;
      /** The relay refused the address itself: suppress it, in the same transaction. */
      suppress?: { email: string; reason: string };
    }
  /** Given back untried (graceful stop): the attempt does not count. */
  | { id: number; status: 'released' }
  /** Held back by the frequency cap until `availableAt`: not an attempt either. */
  | { id: number; status: 'deferred'; availableAt: number; reason: string };

/**
 * Record outcomes in one transaction. Each update only applies while this worker still holds
 * the claim, so a worker whose lease expired cannot overwrite another worker's result.
 * The transaction starts with a write, so SQLite's busy timeout covers it; past that it is
 * retried a few times (nothing was applied when it failed). Returns how many were applied.
 */
export async function recordOutcomes(
  knex: Knex,
  workerId: string,
  outcomes: readonly DeliveryOutcome[],
  now: number,
): Promise<number> {
  if (outcomes.length === 0) return 0;
  return retryOnLockConflict(() => recordOutcomesOnce(knex, workerId, outcomes, now));
}

async function recordOutcomesOnce(
  knex: Knex,
  workerId: string,
  outcomes: readonly DeliveryOutcome[],
  now: number,
): Promise<number> {
  let applied = 0;
  await knex.transaction(async (trx) => {
    // Sent, the usual outcome, in a few statements; a statement per row cost more than the
    // sending on Postgres (a round trip each). The rest in one statement per set of
    // identical changes: a batch released whole (breaker, stop) or skipped for one reason is one
    // UPDATE; retries and deferrals, each with its own time, stay one per row.
    const sent = outcomes.filter((o): o is SentOutcome => o.status === 'sent');
    for (const batch of chunks(sent, 500)) applied += await recordSent(trx, workerId, batch, now);
    const records = sent.flatMap((o) => (o.record ? [{ id: o.id, record: o.record }] : []));
    for (const batch of chunks(records, 100)) await insertMessageRecords(trx, batch, now);
    for (const { ids, columns } of sameChanges(
      outcomes.filter((o) => o.status !== 'sent'),
      now,
      trx,
    )) {
      for (const batch of chunks(ids, IN_CHUNK)) {
        applied += await trx('deliveries')
          .whereIn('id', batch)
          .where({ status: 'sending', locked_by: workerId })
          .update(columns);
      }
    }
    // The relay's answer stands even if our lease was lost meanwhile: suppress regardless.
    for (const o of outcomes) {
      if ('suppress' in o && o.suppress) {
        await addSuppression(trx, {
          email: o.suppress.email,
          reason: o.suppress.reason,
          source: 'smtp-reply',
          deliveryId: o.id,
          now,
        });
      }
    }
  });
  return applied;
}

type SentOutcome = Extract<DeliveryOutcome, { status: 'sent' }>;

/**
 * The same update as outcomeColumns makes for 'sent', for many rows in one statement: each row
 * joined to its own values. It applies while this worker holds the claim, and also to a row whose
 * lease ran out and went back to pending meanwhile (a long database outage): the relay took the
 * message, and leaving the row pending would send it again. A row another worker now holds is
 * left to that worker. Returns rows changed.
 */
async function recordSent(
  trx: Knex.Transaction,
  workerId: string,
  sent: readonly SentOutcome[],
  now: number,
): Promise<number> {
  if (sent.length === 0) return 0;
  const postgres = isPostgres(trx);
  // Postgres needs the types of the VALUES columns; SQLite takes them as they come.
  const tuple = postgres ? '(?::integer, ?::bigint, ?::text)' : '(?, ?, ?)';
  const values = sent.map(() => tuple).join(', ');
  const set =
    `status = 'sent', sent_at = v.sent_at, message_id = v.message_id, error = NULL, reason = NULL, ` +
    'locked_by = NULL, locked_until = NULL, updated_at = ?';
  const rows = sent.flatMap((o) => [o.id, o.sentAt, o.messageId]);
  // Placeholders bind in text order: SET comes before the VALUES on Postgres, after on SQLite.
  const bindings = postgres ? [now, ...rows, workerId] : [...rows, now, workerId];
  const sql = postgres
    ? `UPDATE deliveries AS d SET ${set} FROM (VALUES ${values}) AS v(id, sent_at, message_id)
       WHERE d.id = v.id AND ((d.status = 'sending' AND d.locked_by = ?) OR d.status = 'pending')`
    : `WITH v(id, sent_at, message_id) AS (VALUES ${values})
       UPDATE deliveries SET ${set} FROM v WHERE deliveries.id = v.id
       AND ((deliveries.status = 'sending' AND deliveries.locked_by = ?) OR deliveries.status = 'pending')`;
  const result = (await trx.raw(sql, bindings)) as { rowCount?: number; changes?: number };
  return Number(postgres ? result.rowCount : result.changes);
}

/** Outcomes grouped by the columns they set, so each group is one UPDATE. */
function sameChanges(outcomes: readonly DeliveryOutcome[], now: number, knex: Knex) {
  const groups = new Map<string, { ids: number[]; columns: Record<string, unknown> }>();
  for (const o of outcomes) {
    const columns = outcomeColumns(o, now, knex);
    // knex.raw values (attempts - 1) are the same expression for every row that has one.
    const key = JSON.stringify(columns, (_k, v: unknown) =>
      v instanceof Object && 'sql' in v ? String(v.sql) : v,
    );
    const group = groups.get(key);
    if (group) group.ids.push(o.id);
    else groups.set(key, { ids: [o.id], columns });
  }
  return groups.values();
}

function outcomeColumns(o: DeliveryOutcome, now: number, knex: Knex): Record<string, unknown> {
  const unlock = { locked_by: null, locked_until: null, updated_at: now };
  switch (o.status) {
    case 'sent':
      return {
        ...unlock,
        status: 'sent',
        sent_at: o.sentAt,
        message_id: o.messageId,
        error: null,
        reason: null,
      };
    case 'pending':
      return { ...unlock, status: 'pending', available_at: o.availableAt, error: o.error };
    case 'released':
      return { ...unlock, status: 'pending', attempts: knex.raw('attempts - 1') };
    case 'deferred':
      return {
        ...unlock,
        status: 'pending',
        attempts: knex.raw('attempts - 1'),
        available_at: o.availableAt,
        reason: o.reason,
      };
    default:
      return { ...unlock, status: o.status, reason: o.reason, error: o.error };
  }
}

export interface DeliveryQuery {
  status?: DeliveryStatus;
  customerId?: string;
  automationId?: string;
  limit?: number;
  afterId?: number;
}

export interface DeliveryListRow extends DeliveryRow {
  email: string | null;
  /** What a sent message was rendered with (null when none was recorded). */
  template: string | null;
  template_version: number | null;
  requested_locale: string | null;
  resolved_locale: string | null;
  subject: string | null;
  mime_sha256: string | null;
}

export async function listDeliveries(knex: Knex, q: DeliveryQuery): Promise<DeliveryListRow[]> {
  const query = knex('deliveries as d')
    .leftJoin('customers as c', 'c.id', 'd.customer_id')
    .leftJoin('delivery_messages as m', 'm.delivery_id', 'd.id')
    .select('d.*', 'c.email as email')
    .select(
      'm.template',
      'm.template_version',
      'm.requested_locale',
      'm.resolved_locale',
      'm.subject',
      'm.mime_sha256',
    )
    .orderBy('d.id')
    .limit(q.limit ?? 1000);
  if (q.status) query.where('d.status', q.status);
  if (q.customerId) query.where('d.customer_id', q.customerId);
  if (q.automationId) query.where('d.automation_id', q.automationId);
  if (q.afterId !== undefined) query.where('d.id', '>', q.afterId);
  const rows = (await query) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    ...normalise(r),
    email: (r.email as string | null) ?? null,
    template: (r.template as string | null) ?? null,
    template_version:
      r.template_version === null || r.template_version === undefined ? null : Number(r.template_version),
    requested_locale: (r.requested_locale as string | null) ?? null,
    resolved_locale: (r.resolved_locale as string | null) ?? null,
    subject: (r.subject as string | null) ?? null,
    mime_sha256: (r.mime_sha256 as string | null) ?? null,
  }));
}

export async function countByStatus(knex: Knex): Promise<Record<DeliveryStatus, number>> {
  const rows = (await knex('deliveries').select('status').count({ n: '*' }).groupBy('status')) as Array<{
    status: DeliveryStatus;
    n: number | string;
  }>;
  const out = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}

export async function countByAutomationAndStatus(
  knex: Knex,
): Promise<Array<{ automation_id: string; status: DeliveryStatus; n: number }>> {
  const rows = (await knex('deliveries')
    .select('automation_id', 'status')
    .count({ n: '*' })
    .groupBy('automation_id', 'status')
    .orderBy(['automation_id', 'status'])) as Array<{
    automation_id: string;
    status: DeliveryStatus;
    n: number | string;
  }>;
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}

/** Pending (not yet claimed) rows of one automation: what a change to it reaches. */
export async function countPendingOf(knex: Knex, automationId: string): Promise<number> {
  const row = (await knex('deliveries')
    .where({ automation_id: automationId, status: 'pending' })
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** The earliest time a pending row becomes claimable, or null when none is pending. */
export async function nextAvailableAt(knex: Knex): Promise<number | null> {
  const row = (await knex('deliveries').where('status', 'pending').min({ t: 'available_at' }).first()) as
    { t: number | string | null } | undefined;
  return row?.t === null || row?.t === undefined ? null : Number(row.t);
}

/** Pending rows claimable now: the queue depth. */
export async function countDue(knex: Knex, now: number): Promise<number> {
  const row = (await knex('deliveries')
    .where('status', 'pending')
    .where('available_at', '<=', now)
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** Current status of each of these keys that is already in the books. */
export async function deliveryStatuses(
  knex: Knex,
  keys: ReadonlyArray<DeliveryKey>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const customerIds = [...new Set(keys.map((k) => k.customerId))];
  for (const batch of chunks(customerIds, 500)) {
    const rows = (await knex('deliveries')
      .whereIn('customer_id', batch)
      .select('automation_id', 'customer_id', 'occurrence', 'status')) as Array<{
      automation_id: string;
      customer_id: string;
      occurrence: string;
      status: string;
    }>;
    for (const r of rows) out.set(deliveryKeyText(deliveryKeyOf(r)), r.status);
  }
  return out;
}

/** When each of these customers last had this automation sent, epoch ms. */
export async function lastSentAt(
  knex: Knex,
  automationId: string,
  customerIds: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const batch of chunks([...new Set(customerIds)], 500)) {
    const rows = (await knex('deliveries')
      .where({ automation_id: automationId, status: 'sent' })
      .whereIn('customer_id', batch)
      .select('customer_id')
      .max({ t: 'sent_at' })
      .groupBy('customer_id')) as Array<{ customer_id: string; t: number | string | null }>;
    for (const r of rows) if (r.t !== null) out.set(r.customer_id, Number(r.t));
  }
  return out;
}

/** Send times of non-transactional mail sent to these customers after `since`, per customer. */
export async function recentMarketingSends(
  knex: Knex,
  customerIds: readonly string[],
  since: number,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const batch of chunks([...new Set(customerIds)], 500)) {
    const rows = (await knex('deliveries')
      .whereIn('customer_id', batch)
      .where({ status: 'sent', transactional: false })
      .where('sent_at', '>', since)
      .select('customer_id', 'sent_at')) as Array<{ customer_id: string; sent_at: number | string }>;
    for (const r of rows) {
      const list = out.get(r.customer_id) ?? [];
      list.push(Number(r.sent_at));
      out.set(r.customer_id, list);
    }
  }
  return out;
}

/**
 * Bring these customers' pending, never-attempted rows in line with a fresh plan of their
 * current data: rows the plan no longer has are deleted (a corrected birthday, a changed
 * tag), rows whose due time moved are moved (and expired when the new time is too late).
 * Claimed, retried and finished rows stay as they are. Returns how many rows were deleted or moved.
 */
export async function reconcilePending(
  knex: Knex,
  customerIds: readonly string[],
  planned: readonly PlannedDelivery[],
  now: number,
): Promise<number> {
  const wanted = new Map(planned.map((p) => [deliveryKeyText(p), p]));
  let changed = 0;
  for (const batch of chunks([...new Set(customerIds)], 500)) {
    // One transaction per batch of customers: the reads, one delete, and the few moves.
    changed += await knex.transaction(async (trx) => {
      const rows = (await trx('deliveries')
        .whereIn('customer_id', batch)
        .where({ status: 'pending', attempts: 0 })
        // Survey alerts and broadcasts are not the rules' planner's: it never plans them, so
        // must never cancel them when a customer's data changes.
        .whereNot('automation_id', 'like', 'survey:%')
        .whereNot('automation_id', 'like', 'broadcast:%')
        .select('id', 'automation_id', 'customer_id', 'occurrence', 'due_at')) as Array<
        Record<string, unknown>
      >;
      const gone: number[] = [];
      let moved = 0;
      for (const r of rows) {
        const p = wanted.get(deliveryKeyText(deliveryKeyOf(r)));
        if (!p) {
          gone.push(Number(r.id));
        } else if (p.dueAt !== Number(r.due_at)) {
          // Moved to a time already past max_lateness (a birthday corrected to two days ago), the
          // row takes the plan's verdict too: otherwise it would still go out at the old time.
          const verdict = p.status === 'pending' ? {} : { status: p.status, reason: p.reason };
          moved += await trx('deliveries')
            .where({ id: r.id, status: 'pending' })
            .update({
              trigger_at: p.triggerAt,
              due_at: p.dueAt,
              available_at: p.dueAt,
              ...verdict,
              updated_at: now,
            });
        }
      }
      const deleted =
        gone.length > 0 ? await trx('deliveries').whereIn('id', gone).where('status', 'pending').delete() : 0;
      return deleted + moved;
    });
  }
  return changed;
}

/** One delivery by id. */
export async function getDelivery(knex: Knex, id: number): Promise<DeliveryRow | undefined> {
  const row = (await knex('deliveries').where({ id }).first()) as Record<string, unknown> | undefined;
  return row ? normalise(row) : undefined;
}

/** Sent messages of these automations, optionally only those sent at or after `since`. */
export async function countSent(
  knex: Knex,
  automationIds: readonly string[],
  since: number | null,
): Promise<number> {
  if (automationIds.length === 0) return 0;
  const query = knex('deliveries').whereIn('automation_id', automationIds).where('status', 'sent');
  if (since !== null) query.where('sent_at', '>=', since);
  const row = (await query.count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** When each of these customers last had any of these automations sent at or after `since`. */
export async function lastSentAmong(
  knex: Knex,
  automationIds: readonly string[],
  customerIds: readonly string[],
  since: number,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (automationIds.length === 0) return out;
  for (const batch of chunks([...new Set(customerIds)], IN_CHUNK)) {
    const rows = (await knex('deliveries')
      .whereIn('automation_id', automationIds)
      .whereIn('customer_id', batch)
      .where('status', 'sent')
      .where('sent_at', '>=', since)
      .groupBy('customer_id')
      .select('customer_id')
      .max({ at: 'sent_at' })) as Array<{ customer_id: string; at: number | string }>;
    for (const r of rows) out.set(r.customer_id, Number(r.at));
  }
  return out;
}

/**
 * Plan a skipped delivery again, due at `dueAt`, when it was skipped for `reason`: only a row
 * that never went can come back, and one statement decides, so two callers cannot both do it.
 */
export async function replanSkipped(
  knex: Knex,
  key: DeliveryKey,
  reason: string,
  dueAt: number,
  now: number,
): Promise<number> {
  return knex('deliveries')
    .where({ automation_id: key.automationId, customer_id: key.customerId, occurrence: key.occurrence })
    .where({ status: 'skipped', reason })
    .update({
      status: 'pending',
      reason: null,
      due_at: dueAt,
      available_at: dueAt,
      attempts: 0,
      updated_at: now,
    });
}
