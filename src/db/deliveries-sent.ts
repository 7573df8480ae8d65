/**
 * Recording sent messages: the delivery loop's usual write, every few messages (group commit,
 * src/deliver/recorder.ts). Each row is set to sent with its own Message-ID and time, and each
 * message's stored copy goes to `delivery_messages`, in one transaction. When every outcome of
 * the write is a send, that is one statement on Postgres (one round trip instead of BEGIN,
 * UPDATE, INSERT, COMMIT) and, on SQLite, statements run on the connection itself
 * (sqlite-direct.ts) instead of through knex, whose own cost per transaction was larger than
 * SQLite's.
 */
import type { Knex } from 'knex';
import type { DeliveryOutcome } from './deliveries.js';
import { messageRecordsInsert, type RecordOf } from './delivery-messages.js';
import { dialectOf } from './dialect.js';
import { num, rowOf } from './read.js';
import { inSqliteTransaction } from './sqlite-direct.js';

export type SentOutcome = Extract<DeliveryOutcome, { status: 'sent' }>;

/** Writes of at most this many sends take the one-write path; larger ones (a flush after an outage) the general one. */
export const ALL_SENT_MAX = 100;

const SET =
  `status = 'sent', sent_at = v.sent_at, message_id = v.message_id, error = NULL, reason = NULL, ` +
  'locked_by = NULL, locked_until = NULL, updated_at = ?';

/**
 * The row is still ours, or its lease ran out and it went back to pending meanwhile (a long
 * database outage): the relay took the message, and leaving the row pending would send it
 * again. A row another worker now holds is left to that worker.
 */
const HELD = (t: string) => `((${t}.status = 'sending' AND ${t}.locked_by = ?) OR ${t}.status = 'pending')`;

/** Each row's own values, as a VALUES list: Postgres needs their types, SQLite takes them as they come. */
function valuesOf(sent: readonly SentOutcome[], postgres: boolean): { sql: string; bindings: Knex.Value[] } {
  const tuple = postgres ? '(?::integer, ?::bigint, ?::text)' : '(?, ?, ?)';
  return {
    sql: sent.map(() => tuple).join(', '),
    bindings: sent.flatMap((o) => [o.id, o.sentAt, o.messageId]),
  };
}

function recordsOf(sent: readonly SentOutcome[]): RecordOf[] {
  return sent.flatMap((o) => (o.record ? [{ id: o.id, record: o.record }] : []));
}

/** The SQLite update of sent rows, each joined to its own values. */
function sqliteUpdate(workerId: string, sent: readonly SentOutcome[], now: number) {
  const v = valuesOf(sent, false);
  return {
    sql: `WITH v(id, sent_at, message_id) AS (VALUES ${v.sql})
       UPDATE deliveries SET ${SET} FROM v WHERE deliveries.id = v.id AND ${HELD('deliveries')}`,
    bindings: [...v.bindings, now, workerId],
  };
}

/**
 * The same update as outcomeColumns (deliveries.ts) makes for 'sent', for many rows in one
 * statement, inside the caller's transaction. Returns rows changed.
 */
export async function recordSent(
  trx: Knex.Transaction,
  workerId: string,
  sent: readonly SentOutcome[],
  now: number,
): Promise<number> {
  if (sent.length === 0) return 0;
  const dialect = dialectOf(trx);
  if (dialect.name !== 'postgres') {
    const { sql, bindings } = sqliteUpdate(workerId, sent, now);
    return dialect.rawChanges(await trx.raw<unknown>(sql, bindings));
  }
  const v = valuesOf(sent, true);
  // Placeholders bind in text order: SET comes before the VALUES here.
  const sql = `UPDATE deliveries AS d SET ${SET} FROM (VALUES ${v.sql}) AS v(id, sent_at, message_id)
       WHERE d.id = v.id AND ${HELD('d')}`;
  return dialect.rawChanges(await trx.raw<unknown>(sql, [now, ...v.bindings, workerId]));
}

/**
 * A write in which every outcome is a send (at most ALL_SENT_MAX): the rows and their stored
 * copies in one transaction, as recordOutcomes would write them. Returns rows changed.
 */
export async function recordAllSent(
  knex: Knex,
  workerId: string,
  sent: readonly SentOutcome[],
  now: number,
): Promise<number> {
  if (sent.length === 0) return 0;
  const records = recordsOf(sent);
  if (dialectOf(knex).name === 'postgres') return postgresAllSent(knex, workerId, sent, records, now);
  const update = sqliteUpdate(workerId, sent, now);
  return inSqliteTransaction(knex, (run) => {
    const changed = run(update.sql, update.bindings);
    if (records.length > 0) {
      const insert = messageRecordsInsert(records, now);
      run(insert.sql, insert.bindings);
    }
    return changed;
  });
}

/** One statement, atomic by itself: the update and the copies' insert as parts of one query. */
async function postgresAllSent(
  knex: Knex,
  workerId: string,
  sent: readonly SentOutcome[],
  records: readonly RecordOf[],
  now: number,
): Promise<number> {
  const v = valuesOf(sent, true);
  const insert = records.length > 0 ? messageRecordsInsert(records, now) : null;
  const sql =
    `WITH v(id, sent_at, message_id) AS (VALUES ${v.sql}),
     updated AS (UPDATE deliveries AS d SET ${SET} FROM v WHERE d.id = v.id AND ${HELD('d')} RETURNING d.id)` +
    (insert ? `, copies AS (${insert.sql})` : '') +
    ' SELECT count(*) AS n FROM updated';
  const bindings = [...v.bindings, now, workerId, ...(insert?.bindings ?? [])];
  const result: unknown = await knex.raw(sql, bindings);
  const row = rowOf(dialectOf(knex).rawRows(result)[0]);
  return row ? num(row, 'n') : 0;
}
