/**
 * The deliveries table as the staff console reads it: pages newest first by keyset (id), or in
 * due order within a range of due dates, never OFFSET; one customer's whole history; what is queued for the dashboard; a planned send
 * skipped by a person. The rest of the table's queries are in deliveries.ts.
 */
import type { Knex } from 'knex';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../domain.js';
import { AppError } from '../errors.js';
import { dialectOf } from './dialect.js';
import { num, numOrNull, oneOf, rowOf, rowsOf, str, strOrNull, type Row } from './read.js';
import { chunks, IN_CHUNK } from './rows.js';
import { deliveryKeyText, type DeliveryKey } from '../delivery-key.js';
import { AUTOMATION_DUE_INDEX, STATUS_DUE_INDEX } from './migrations.js';

export interface DeliveryFilter {
  status?: DeliveryStatus;
  automationId?: string;
  customerId?: string;
  /** due_at range, epoch ms: from inclusive, to exclusive. */
  from?: number;
  to?: number;
  /** Keyset cursor: only rows with a smaller id (the previous page's last). */
  beforeId?: number;
  /** Keyset cursor of a page in due order: only rows before this (due_at, id), the previous page's last. */
  beforeDue?: { dueAt: number; id: number };
}

export interface ConsoleDeliveryRow {
  id: number;
  automation_id: string;
  customer_id: string;
  occurrence: string;
  status: DeliveryStatus;
  reason: string | null;
  error: string | null;
  trigger_at: number;
  due_at: number;
  sent_at: number | null;
  attempts: number;
  skipped_by: string | null;
  subject: string | null;
  /** A stored message exists: "view as sent" can show it. */
  has_message: boolean;
}

const COLUMNS = [
  'd.id',
  'd.automation_id',
  'd.customer_id',
  'd.occurrence',
  'd.status',
  'd.reason',
  'd.error',
  'd.trigger_at',
  'd.due_at',
  'd.sent_at',
  'd.attempts',
  'd.skipped_by',
  'm.subject',
  'm.delivery_id as message_id',
];

function toRow(r: Row): ConsoleDeliveryRow {
  return {
    id: num(r, 'id'),
    automation_id: str(r, 'automation_id'),
    customer_id: str(r, 'customer_id'),
    occurrence: str(r, 'occurrence'),
    status: oneOf(r, 'status', DELIVERY_STATUSES),
    reason: strOrNull(r, 'reason'),
    error: strOrNull(r, 'error'),
    trigger_at: num(r, 'trigger_at'),
    due_at: num(r, 'due_at'),
    sent_at: numOrNull(r, 'sent_at'),
    attempts: num(r, 'attempts'),
    skipped_by: strOrNull(r, 'skipped_by'),
    subject: strOrNull(r, 'subject'),
    has_message: r.message_id !== null && r.message_id !== undefined,
  };
}

/**
 * One page: newest first (by id), or, with a due_at range, latest due first (by due_at, then
 * id). Each is a range of an index read from the cursor on, never the rows after it.
 */
export async function deliveryPage(
  knex: Knex,
  f: DeliveryFilter,
  limit: number,
): Promise<ConsoleDeliveryRow[]> {
  const q = knex('deliveries as d')
    .leftJoin('delivery_messages as m', 'm.delivery_id', 'd.id')
    .select(COLUMNS)
    .limit(limit);
  if (dueOrdered(f)) {
    q.whereIn('d.id', dueRangeIds(knex, f, limit)).orderBy([
      { column: 'd.due_at', order: 'desc' },
      { column: 'd.id', order: 'desc' },
    ]);
    return rowsOf(await q).map(toRow);
  }
  const by = singleFilter(f);
  if (by) q.whereIn('d.id', idsByIndex(knex, by, f.beforeId, limit));
  else filtered(q, f, 'd.');
  return rowsOf(await q.orderBy('d.id', 'desc')).map(toRow);
}

interface SingleFilter {
  column: 'status' | 'automation_id' | 'customer_id';
  value: string;
  index: string;
}

/** The filter of a page filtered by one column alone, with that column's (column, id) index. */
function singleFilter(f: DeliveryFilter): SingleFilter | null {
  const by: SingleFilter[] = [];
  if (f.status) by.push({ column: 'status', value: f.status, index: 'deliveries_status_id_index' });
  if (f.automationId)
    by.push({ column: 'automation_id', value: f.automationId, index: 'deliveries_automation_id_id_index' });
  if (f.customerId)
    by.push({ column: 'customer_id', value: f.customerId, index: 'deliveries_customer_id_id_index' });
  return by.length === 1 ? (by[0] ?? null) : null;
}

/**
 * A page's ids newest first from its filter's (column, id) index alone, then only its rows.
 * Postgres, estimating a status's rows spread evenly over ids, would walk the primary key
 * backwards and filter; but skipped or failed rows are all older than the pending ones, so that
 * walk reads every pending row first (seconds at ten million deliveries). Ordered by (column,
 * id), which the primary key cannot give, and filtered with = ANY, which unlike = does not make
 * the column a constant the order could drop, the page can only come from the (column, id)
 * index. SQLite is told the index by name.
 */
function idsByIndex(
  knex: Knex,
  by: SingleFilter,
  beforeId: number | undefined,
  limit: number,
): Knex.QueryBuilder {
  const postgres = dialectOf(knex).name === 'postgres';
  const q = knex
    .from(dialectOf(knex).indexed(knex, 'deliveries', by.index))
    .select('id')
    .orderBy([
      { column: by.column, order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit);
  if (postgres) q.whereRaw('?? = ANY(?)', [by.column, [by.value]]);
  else q.where(by.column, by.value);
  if (beforeId !== undefined) q.where('id', '<', beforeId);
  return q;
}

/** A page in a range of due dates is in due order, and its cursor a (due_at, id) pair. */
export function dueOrdered(f: Pick<DeliveryFilter, 'from' | 'to'>): boolean {
  return f.from !== undefined || f.to !== undefined;
}

function filtered(q: Knex.QueryBuilder, f: DeliveryFilter, prefix: string): Knex.QueryBuilder {
  if (f.status) q.where(`${prefix}status`, f.status);
  if (f.automationId) q.where(`${prefix}automation_id`, f.automationId);
  if (f.customerId) q.where(`${prefix}customer_id`, f.customerId);
  if (f.from !== undefined) q.where(`${prefix}due_at`, '>=', f.from);
  // A cursor below the range's end is the tighter bound: named alone, it is where the index is
  // entered (SQLite enters at the range's end otherwise and steps over every earlier page).
  const cursorBounds = f.beforeDue !== undefined && f.to !== undefined && f.beforeDue.dueAt < f.to;
  if (f.to !== undefined && !cursorBounds) q.where(`${prefix}due_at`, '<', f.to);
  if (f.beforeId !== undefined) q.where(`${prefix}id`, '<', f.beforeId);
  if (f.beforeDue !== undefined)
    q.whereRaw(`(${prefix}due_at, ${prefix}id) < (?, ?)`, [f.beforeDue.dueAt, f.beforeDue.id]);
  return q;
}

/**
 * The index a due_at range is read from: the automation's or the status's (…, due_at, id), one
 * customer's few rows, or every row's (due_at, id).
 */
function dueRangeIndex(f: DeliveryFilter): string {
  if (f.automationId) return AUTOMATION_DUE_INDEX;
  if (f.customerId) return 'deliveries_customer_id_id_index';
  return f.status ? STATUS_DUE_INDEX : 'deliveries_due_at_id_index';
}

/**
 * A page's ids in a due_at range, latest due first, read backwards from the range's end (or the
 * cursor) in an index that holds due_at, so only the page's entries are read and then its rows.
 * In id order the page would need every entry of the range sorted (a month of sent mail:
 * hundreds of thousands at ten million deliveries), or a walk by id over every later row.
 */
function dueRangeIds(knex: Knex, f: DeliveryFilter, limit: number): Knex.QueryBuilder {
  // SQLite plans without statistics and may prefer the (…, id) index: name this one.
  const table = dialectOf(knex).indexed(knex, 'deliveries', dueRangeIndex(f));
  const q = knex.from(table).select('id').limit(limit);
  return filtered(q, f, '').orderBy([
    { column: 'due_at', order: 'desc' },
    { column: 'id', order: 'desc' },
  ]);
}

/** Every delivery of one customer, past and planned, newest first. */
export async function deliveriesOfCustomer(knex: Knex, customerId: string): Promise<ConsoleDeliveryRow[]> {
  const rows = rowsOf(
    await knex('deliveries as d')
      .leftJoin('delivery_messages as m', 'm.delivery_id', 'd.id')
      .where('d.customer_id', customerId)
      .select(COLUMNS)
      .orderBy('d.id', 'desc'),
  );
  return rows.map(toRow);
}

/** Pending sends due in [from, to), per automation. */
export async function queuedBetween(
  knex: Knex,
  from: number,
  to: number,
): Promise<Array<{ automation_id: string; n: number }>> {
  const rows = rowsOf(
    await knex('deliveries')
      .where('status', 'pending')
      .where('available_at', '>=', from)
      .where('available_at', '<', to)
      .select('automation_id')
      .count({ n: '*' })
      .groupBy('automation_id'),
  );
  return rows.map((r) => ({ automation_id: str(r, 'automation_id'), n: num(r, 'n') }));
}

/** The send a person skips: a delivery's key. */
export type SkipKey = DeliveryKey;

/** Why a send was skipped when a person skipped it (the author is in skipped_by). */
export const STAFF_SKIP = 'skipped-by-staff';

/**
 * Marks a planned send skipped by `author`. A pending row becomes skipped; when the planner has
 * not stored the occurrence yet, a skipped row is stored under its key, and the planner, which
 * leaves an existing key as it is, never plans it. Returns the status the key now has: not
 * 'skipped' when it had already gone (sent, failed...) or was being sent.
 */
export async function skipPlanned(
  knex: Knex,
  key: SkipKey,
  author: string,
  dueAt: number,
  now: number,
): Promise<DeliveryStatus> {
  const where = { automation_id: key.automationId, customer_id: key.customerId, occurrence: key.occurrence };
  const skipped = { status: 'skipped' as const, reason: STAFF_SKIP, skipped_by: author, updated_at: now };
  await knex('deliveries').where(where).where('status', 'pending').update(skipped);
  await knex('deliveries')
    .insert({
      ...where,
      ...skipped,
      transactional: false,
      trigger_at: dueAt,
      due_at: dueAt,
      available_at: dueAt,
      attempts: 0,
      created_at: now,
    })
    .onConflict(['automation_id', 'customer_id', 'occurrence'])
    .ignore();
  const row = rowOf(await knex('deliveries').where(where).first('status'));
  // The insert above stored the key when no row had it.
  if (!row) throw new AppError('E_DB_ROW', 'The database lost the delivery that was just skipped');
  return oneOf(row, 'status', DELIVERY_STATUSES);
}

export interface BookedKey extends SkipKey {
  status: DeliveryStatus;
  skipped_by: string | null;
}

/**
 * What the books say about a few keys (the sends a page shows): per automation, the unique
 * (automation_id, customer_id, occurrence) index is probed for those customers and occurrences
 * (a page's sends share few occurrences), so only matching rows are read, whatever else the
 * customers have in the books.
 */
export async function bookedKeys(knex: Knex, keys: readonly SkipKey[]): Promise<Map<string, BookedKey>> {
  const wanted = new Set(keys.map(deliveryKeyText));
  const out = new Map<string, BookedKey>();
  const byAutomation = new Map<string, SkipKey[]>();
  for (const k of keys) byAutomation.set(k.automationId, [...(byAutomation.get(k.automationId) ?? []), k]);
  for (const [automationId, group] of byAutomation) {
    const occurrences = [...new Set(group.map((k) => k.occurrence))];
    for (const customers of chunks([...new Set(group.map((k) => k.customerId))], IN_CHUNK / 2)) {
      for (const some of chunks(occurrences, IN_CHUNK / 2)) {
        const rows = rowsOf(
          await knex('deliveries')
            .where('automation_id', automationId)
            .whereIn('customer_id', customers)
            .whereIn('occurrence', some)
            .select('customer_id', 'occurrence', 'status', 'skipped_by'),
        );
        for (const r of rows) {
          const k: BookedKey = {
            automationId,
            customerId: str(r, 'customer_id'),
            occurrence: str(r, 'occurrence'),
            status: oneOf(r, 'status', DELIVERY_STATUSES),
            skipped_by: strOrNull(r, 'skipped_by'),
          };
          const text = deliveryKeyText(k);
          if (wanted.has(text)) out.set(text, k);
        }
      }
    }
  }
  return out;
}
