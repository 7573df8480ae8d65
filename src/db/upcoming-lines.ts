/**
 * The stored forecast's lines and their counts per day and automation (upcoming-schema.ts).
 * A build writes a new generation beside the current one; the page reads one day's lines a page
 * at a time by keyset on (automation, due time, id), and the counts without counting lines.
 */
import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import { dialectOf } from './dialect.js';
import { num, rowOf, rowsOf, str, strOrNull, type Row } from './read.js';
import { chunks } from './rows.js';
import { inSqliteTransaction } from './sqlite-direct.js';
import { LINE_TABLES, linesTableOf } from './upcoming-schema.js';

export interface StoredLine {
  id: number;
  day: string;
  automation_id: string;
  customer_id: string;
  email: string;
  occurrence: string;
  due_at: number;
  local_time: string;
  outcome: 'send' | 'skip';
  reason: string | null;
  skipped_by: string | null;
}

export type NewLine = Omit<StoredLine, 'id' | 'skipped_by'>;

export interface DayCount {
  day: string;
  automation_id: string;
  sends: number;
  held: number;
}

/** A place in one day's list: the last line shown. */
export interface LineCursor {
  automation: string;
  dueAt: number;
  id: number;
}

/** Rows per INSERT of counts: 5 columns each stays far below either database's parameter limit. */
const INSERT_ROWS = 500;
/** Lines per SQLite INSERT: one prepared statement (10 columns × 250 rows of parameters) reused. */
const SQLITE_ROWS = 250;

/**
 * Writes lines of `generation` in one transaction. At a million customers a refresh writes
 * millions of lines: on SQLite the statements run on the connection itself, prepared once per
 * row count, because building each multi-row INSERT's text and bindings through the query
 * builder cost more of this process's one thread than SQLite took to run it; on Postgres the
 * lines go as one JSON document in one statement (no parameter limit, one round trip).
 */
export async function writeLines(knex: Knex, generation: number, lines: readonly NewLine[]): Promise<void> {
  if (lines.length === 0) return;
  const table = linesTableOf(generation).table;
  if (dialectOf(knex).name === 'postgres') {
    await knex.raw(
      `INSERT INTO ${table} (${LINE_COLUMNS.join(', ')})
       SELECT ?::integer, ${LINE_COLUMNS.slice(1).join(', ')}
       FROM json_to_recordset(?::json) AS l(${POSTGRES_TYPES})`,
      [generation, JSON.stringify(lines)],
    );
    return;
  }
  await inSqliteTransaction(knex, (run) => {
    const full = `INSERT INTO ${table} (${LINE_COLUMNS.join(', ')}) VALUES ${valuesOf(SQLITE_ROWS)}`;
    const bindings: unknown[] = [];
    for (let at = 0; at < lines.length; at += SQLITE_ROWS) {
      const batch = lines.slice(at, at + SQLITE_ROWS);
      bindings.length = 0;
      for (const l of batch)
        bindings.push(
          generation,
          l.day,
          l.automation_id,
          l.customer_id,
          l.email,
          l.occurrence,
          l.due_at,
          l.local_time,
          l.outcome,
          l.reason,
        );
      const sql =
        batch.length === SQLITE_ROWS
          ? full
          : `INSERT INTO ${table} (${LINE_COLUMNS.join(', ')}) VALUES ${valuesOf(batch.length)}`;
      run(sql, bindings);
    }
  });
}

const LINE_COLUMNS = [
  'generation',
  'day',
  'automation_id',
  'customer_id',
  'email',
  'occurrence',
  'due_at',
  'local_time',
  'outcome',
  'reason',
] as const;
const LINE_MARKS = `(${LINE_COLUMNS.map(() => '?').join(', ')})`;
const valuesOf = (rows: number): string => Array.from({ length: rows }, () => LINE_MARKS).join(', ');
/** The JSON fields of a line, typed as the columns (NewLine's keys). */
const POSTGRES_TYPES =
  'day text, automation_id text, customer_id text, email text, occurrence text, due_at bigint, ' +
  'local_time text, outcome text, reason text';

export async function insertCounts(
  trx: Knex.Transaction,
  generation: number,
  counts: readonly DayCount[],
): Promise<void> {
  for (const batch of chunks(counts, INSERT_ROWS)) {
    await trx('upcoming_counts').insert(batch.map((c) => ({ ...c, generation })));
  }
}

/**
 * Makes room for `generation`: empties its table of lines at once (it holds only the
 * generation before the current one, or older ones) and deletes the counts of every
 * generation but `keep`, the one the page reads. The previous generation is dropped by the
 * build after next, never while a request that read the state row just before a switch may
 * still read it. `generation` must not be `keep`'s table (see upcoming-build.ts).
 */
export async function clearForGeneration(knex: Knex, generation: number, keep: number | null): Promise<void> {
  const target = linesTableOf(generation);
  if (keep !== null && linesTableOf(keep) === target)
    throw new AppError('E_UPCOMING_TABLE', `generation ${generation} would overwrite the current forecast`);
  await knex(target.table).truncate();
  if (keep === null) for (const t of LINE_TABLES) await knex(t.table).truncate();
  const counts = knex('upcoming_counts');
  await (keep === null ? counts : counts.whereNot('generation', keep)).delete();
}

export async function dayCounts(knex: Knex, generation: number): Promise<DayCount[]> {
  const rows = rowsOf(
    await knex('upcoming_counts')
      .where('generation', generation)
      .orderBy(['day', 'automation_id'])
      .select('day', 'automation_id', 'sends', 'held'),
  );
  return rows.map((r) => ({
    day: str(r, 'day'),
    automation_id: str(r, 'automation_id'),
    sends: num(r, 'sends'),
    held: num(r, 'held'),
  }));
}

/** Up to `limit` lines of one day after `after`, in (automation, due time, id) order, from the index. */
export async function dayLines(
  knex: Knex,
  generation: number,
  day: string,
  after: LineCursor | null,
  limit: number,
): Promise<StoredLine[]> {
  // SQLite plans without statistics: name the index that serves this order.
  const lines = linesTableOf(generation);
  const table = dialectOf(knex).indexed(knex, lines.table, lines.pageIndex);
  const q = knex
    .from(table)
    .where({ generation, day })
    .orderBy(['automation_id', 'due_at', 'id'])
    .limit(limit)
    .select('*');
  if (after) q.whereRaw('(automation_id, due_at, id) > (?, ?, ?)', [after.automation, after.dueAt, after.id]);
  return rowsOf(await q).map(toLine);
}

function toLine(r: Row): StoredLine {
  return {
    id: num(r, 'id'),
    day: str(r, 'day'),
    automation_id: str(r, 'automation_id'),
    customer_id: str(r, 'customer_id'),
    email: str(r, 'email'),
    occurrence: str(r, 'occurrence'),
    due_at: num(r, 'due_at'),
    local_time: str(r, 'local_time'),
    outcome: r.outcome === 'send' ? 'send' : 'skip',
    reason: strOrNull(r, 'reason'),
    skipped_by: strOrNull(r, 'skipped_by'),
  };
}

/**
 * Records a person's skip on the stored line of `generation` (if the forecast has it) and moves
 * it from "to send" to "not sent" in its day's count, in one transaction.
 */
export async function markLineSkipped(
  knex: Knex,
  generation: number,
  key: { automationId: string; customerId: string; occurrence: string },
  who: string,
  reason: string,
): Promise<void> {
  await knex.transaction(async (trx) => {
    const where = {
      generation,
      automation_id: key.automationId,
      customer_id: key.customerId,
      occurrence: key.occurrence,
    };
    const table = linesTableOf(generation).table;
    const line = rowOf(await trx(table).where(where).first('id', 'day', 'outcome'));
    if (!line || line.outcome !== 'send') return;
    await trx(table).where('id', num(line, 'id')).update({ outcome: 'skip', reason, skipped_by: who });
    await trx('upcoming_counts')
      .where({ generation, day: str(line, 'day'), automation_id: key.automationId })
      .update({ sends: trx.raw('sends - 1'), held: trx.raw('held + 1') });
  });
}
