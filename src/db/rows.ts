import type { Knex } from 'knex';
import { jsonStrings, rowsOf, str } from './read.js';

/** Small helpers shared by the table modules: JSON columns, chunking, upserts. */

/** A JSON list of text as stored (tags); `[]` when empty or not a list. */
export function parseStringList(text: string): string[] {
  return jsonStrings({ text }, 'text');
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Month and day as one sortable integer (MMDD) from `YYYY-MM-DD` or `MM-DD`. */
export function monthDayKey(date: string | null): number | null {
  if (!date) return null;
  const m = /(\d\d)-(\d\d)$/.exec(date);
  return m ? Number(m[1]) * 100 + Number(m[2]) : null;
}

/** IN-lists are chunked so a query never exceeds SQLite's or Postgres's bound-parameter limit. */
export const IN_CHUNK = 500;

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface UpsertSpec {
  table: string;
  /** The columns that make two versions of a row the same (besides the id). */
  compare: readonly string[];
  /** Extra columns for a new row (created_at…) and for a changed row (updated_at…). */
  inserted(now: number): Record<string, number>;
  updated(now: number): Record<string, number>;
}

/** Booleans come back as 0/1 from SQLite; compare stored and new values on equal terms. */
function comparable(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value;
}

/** Whether two versions of a row agree on these columns (booleans and nulls on equal terms). */
export function sameColumns(
  columns: readonly string[],
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
): boolean {
  return columns.every((c) => comparable(a[c]) === comparable(b[c]));
}

/**
 * Insert new rows and update changed ones by id, in one transaction; a row identical to what
 * is stored is left alone (its timestamps too), so importing the same data twice changes nothing.
 * With `dryRun` the same counts come back and nothing is written.
 */
export async function upsertById(
  knex: Knex,
  spec: UpsertSpec,
  rows: ReadonlyArray<Record<string, unknown> & { id: string }>,
  now: number,
  dryRun = false,
): Promise<UpsertCounts> {
  const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
  await knex.transaction(async (trx) => {
    for (const batch of chunks(rows, IN_CHUNK)) {
      const stored = rowsOf(
        await trx(spec.table).whereIn(
          'id',
          batch.map((r) => r.id),
        ),
      );
      const existing = new Map(stored.map((r) => [str(r, 'id'), r]));
      const inserts: Array<Record<string, unknown>> = [];
      for (const row of batch) {
        const old = existing.get(row.id);
        if (!old) inserts.push({ ...row, ...spec.inserted(now) });
        else if (sameColumns(spec.compare, row, old)) counts.unchanged++;
        else {
          if (!dryRun)
            await trx(spec.table)
              .where('id', row.id)
              .update({ ...row, ...spec.updated(now) });
          counts.updated++;
        }
      }
      if (inserts.length > 0 && !dryRun) await trx(spec.table).insert(inserts);
      counts.inserted += inserts.length;
    }
  });
  return counts;
}
