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
import { chunks, IN_CHUNK } from './rows.js';
import type { Dialect } from './connect.js';
import { dialectOf } from './dialect.js';
import { bool, countOf, num, numOrNull, oneOf, rowOf, rowsOf, str, strOrNull, type Row } from './read.js';
import { addSuppression } from './suppressions.js';
import { retryOnLockConflict } from './retry.js';
import { insertMessageRecords, type MessageRecord } from './delivery-messages.js';
import { ALL_SENT_MAX, recordAllSent, recordSent, type SentOutcome } from './deliveries-sent.js';
import { deliveryKeyText, type DeliveryKey } from '../delivery-key.js';

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

/** A `deliveries` row as both databases return it (all columns, or `d.*` of a join). */
function toDeliveryRow(r: Row): DeliveryRow {
  return {
    id: num(r, 'id'),
    automation_id: str(r, 'automation_id'),
    customer_id: str(r, 'customer_id'),
    occurrence: str(r, 'occurrence'),
    event_id: strOrNull(r, 'event_id'),
    transactional: bool(r, 'transactional'),
    status: oneOf(r, 'status', DELIVERY_STATUSES),
    reason: strOrNull(r, 'reason'),
    trigger_at: num(r, 'trigger_at'),
    due_at: num(r, 'due_at'),
    available_at: num(r, 'available_at'),
    attempts: num(r, 'attempts'),
    locked_by: strOrNull(r, 'locked_by'),
    locked_until: numOrNull(r, 'locked_until'),
    sent_at: numOrNull(r, 'sent_at'),
    message_id: strOrNull(r, 'message_id'),
    error: strOrNull(r, 'error'),
    created_at: num(r, 'created_at'),
    updated_at: num(r, 'updated_at'),
  };
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
      const result = await trx('deliveries')
        .insert(rows)
        .onConflict(['automation_id', 'customer_id', 'occurrence'])
        .ignore()
        .returning('id');
      inserted += rowsOf(result).length;
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
  const result = await retryOnLockConflict<unknown>(() => knex.raw(sql, bindings));
  return dialectOf(knex)
    .rawRows(result)
    .map(toDeliveryRow)
    .sort((a, b) => a.available_at - b.available_at || a.id - b.id);
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
  const sent = outcomes.filter((o): o is SentOutcome => o.status === 'sent');
  if (sent.length === outcomes.length && sent.length <= ALL_SENT_MAX && !knex.isTransaction)
    return retryOnLockConflict(() => recordAllSent(knex, workerId, sent, now));
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
  return rowsOf(await query).map((r) => ({
    ...toDeliveryRow(r),
    email: strOrNull(r, 'email'),
    template: strOrNull(r, 'template'),
    template_version: numOrNull(r, 'template_version'),
    requested_locale: strOrNull(r, 'requested_locale'),
    resolved_locale: strOrNull(r, 'resolved_locale'),
    subject: strOrNull(r, 'subject'),
    mime_sha256: strOrNull(r, 'mime_sha256'),
  }));
}

export async function countByStatus(knex: Knex): Promise<Record<DeliveryStatus, number>> {
  const rows = rowsOf(await knex('deliveries').select('status').count({ n: '*' }).groupBy('status'));
  const out: Record<DeliveryStatus, number> = {
    pending: 0,
    sending: 0,
    sent: 0,
    failed: 0,
    expired: 0,
    suppressed: 0,
    skipped: 0,
    bounced: 0,
    complained: 0,
  };
  for (const r of rows) out[oneOf(r, 'status', DELIVERY_STATUSES)] = num(r, 'n');
  return out;
}

export async function countByAutomationAndStatus(
  knex: Knex,
): Promise<Array<{ automation_id: string; status: DeliveryStatus; n: number }>> {
  const rows = rowsOf(
    await knex('deliveries')
      .select('automation_id', 'status')
      .count({ n: '*' })
      .groupBy('automation_id', 'status')
      .orderBy(['automation_id', 'status']),
  );
  return rows.map((r) => ({
    automation_id: str(r, 'automation_id'),
    status: oneOf(r, 'status', DELIVERY_STATUSES),
    n: num(r, 'n'),
  }));
}

/** Pending (not yet claimed) rows of one automation: what a change to it reaches. */
export async function countPendingOf(knex: Knex, automationId: string): Promise<number> {
  return countOf(
    await knex('deliveries')
      .where({ automation_id: automationId, status: 'pending' })
      .count({ n: '*' })
      .first(),
  );
}

/** The earliest time a pending row becomes claimable, or null when none is pending. */
export async function nextAvailableAt(knex: Knex): Promise<number | null> {
  const row = rowOf(await knex('deliveries').where('status', 'pending').min({ t: 'available_at' }).first());
  return row === undefined ? null : numOrNull(row, 't');
}

/** Pending rows claimable now: the queue depth. */
export async function countDue(knex: Knex, now: number): Promise<number> {
  return countOf(
    await knex('deliveries')
      .where('status', 'pending')
      .where('available_at', '<=', now)
      .count({ n: '*' })
      .first(),
  );
}

/** A row's (automation, customer, occurrence) key, as the planner's keys are spelt. */
function deliveryKey(r: Row): string {
  return deliveryKeyText({
    automationId: str(r, 'automation_id'),
    customerId: str(r, 'customer_id'),
    occurrence: str(r, 'occurrence'),
  });
}

/** When each of these customers last had this automation sent, epoch ms. */
export async function lastSentAt(
  knex: Knex,
  automationId: string,
  customerIds: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const batch of chunks([...new Set(customerIds)], 500)) {
    const rows = rowsOf(
      await knex('deliveries')
        .where({ automation_id: automationId, status: 'sent' })
        .whereIn('customer_id', batch)
        .select('customer_id')
        .max({ t: 'sent_at' })
        .groupBy('customer_id'),
    );
    for (const r of rows) {
      const t = numOrNull(r, 't');
      if (t !== null) out.set(str(r, 'customer_id'), t);
    }
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
    const rows = rowsOf(
      await knex('deliveries')
        .whereIn('customer_id', batch)
        .where({ status: 'sent', transactional: false })
        .where('sent_at', '>', since)
        .select('customer_id', 'sent_at'),
    );
    for (const r of rows) {
      const customerId = str(r, 'customer_id');
      const list = out.get(customerId) ?? [];
      list.push(num(r, 'sent_at'));
      out.set(customerId, list);
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
      const rows = rowsOf(
        await trx('deliveries')
          .whereIn('customer_id', batch)
          .where({ status: 'pending', attempts: 0 })
          // Survey alerts and broadcasts are not the rules' planner's: it never plans them, so
          // must never cancel them when a customer's data changes.
          .whereNot('automation_id', 'like', 'survey:%')
          .whereNot('automation_id', 'like', 'broadcast:%')
          .select('id', 'automation_id', 'customer_id', 'occurrence', 'due_at'),
      );
      const gone: number[] = [];
      let moved = 0;
      for (const r of rows) {
        const p = wanted.get(deliveryKey(r));
        if (!p) {
          gone.push(num(r, 'id'));
        } else if (p.dueAt !== num(r, 'due_at')) {
          // Moved to a time already past max_lateness (a birthday corrected to two days ago), the
          // row takes the plan's verdict too: otherwise it would still go out at the old time.
          const verdict = p.status === 'pending' ? {} : { status: p.status, reason: p.reason };
          moved += await trx('deliveries')
            .where({ id: num(r, 'id'), status: 'pending' })
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
  const row = rowOf(await knex('deliveries').where({ id }).first());
  return row ? toDeliveryRow(row) : undefined;
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
  return countOf(await query.count({ n: '*' }).first());
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
    const rows = rowsOf(
      await knex('deliveries')
        .whereIn('automation_id', automationIds)
        .whereIn('customer_id', batch)
        .where('status', 'sent')
        .where('sent_at', '>=', since)
        .groupBy('customer_id')
        .select('customer_id')
        .max({ at: 'sent_at' }),
    );
    for (const r of rows) out.set(str(r, 'customer_id'), num(r, 'at'));
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
