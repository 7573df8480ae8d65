/**
 * Where SQLite and Postgres differ, one operation each: table modules ask `dialectOf(knex)`
 * instead of testing the client inline, so the two spellings of an operation sit side by side.
 */
import type { Knex } from 'knex';
import { rowsOf, type Row } from './read.js';

export interface SqlDialect {
  name: 'sqlite' | 'postgres';
  /** Rows of a `knex.raw` SELECT or RETURNING: Postgres wraps them in `{ rows }`. */
  rawRows(result: unknown): Row[];
  /** Rows a `knex.raw` UPDATE changed. */
  rawChanges(result: unknown): number;
  /** The case-insensitive LIKE (SQLite's LIKE already folds A-Z). */
  likeInsensitive: 'ilike' | 'like';
  /**
   * Lock the selected rows until the transaction ends. Postgres needs it; a SQLite transaction
   * holds the write lock from its start (connect.ts), so the query stays as it is.
   */
  forUpdate(query: Knex.QueryBuilder): Knex.QueryBuilder;
  /**
   * The table to read from, telling SQLite which index to use: it plans without statistics and
   * may pick a worse one. Postgres plans from statistics and takes the plain table.
   */
  indexed(knex: Knex, table: string, index: string): string | Knex.Raw;
  /** SQL true when the JSON text list in `column` holds one of `count` lower-cased values. */
  jsonListHasLower(column: string, count: number): string;
  /** SQL and the binding for the text at `key` of the JSON object in `column`. */
  jsonField(column: string, key: string): { sql: string; binding: string };
  /** SQL position of a substring (1-based, 0 when absent): `position(haystack, ?)`. */
  position(haystack: string): string;
  /** lower() as the database does it: SQLite folds only A-Z, Postgres every letter. */
  lower(text: string): string;
}

function field(result: unknown, key: string): unknown {
  if (typeof result !== 'object' || result === null) return undefined;
  const value: unknown = Reflect.get(result, key);
  return value;
}

/** SQLite's answer when INDEXED BY names an index that is not there. */
const MISSING_INDEX = /no such index: /;

/**
 * Runs a read that names its index on SQLite (`hint` true), and once more without naming it when
 * that index is not there: a long import sets customer indexes aside until it ends
 * (set-aside-indexes.ts). Slower meanwhile, never failing.
 */
export async function withIndexHint<T>(run: (hint: boolean) => Promise<T>): Promise<T> {
  try {
    return await run(true);
  } catch (error) {
    if (!(error instanceof Error) || !MISSING_INDEX.test(error.message)) throw error;
    return run(false);
  }
}

const marks = (count: number) => Array.from({ length: count }, () => '?').join(', ');

const SQLITE: SqlDialect = {
  name: 'sqlite',
  rawRows: (result) => rowsOf(result),
  rawChanges: (result) => Number(field(result, 'changes') ?? 0),
  likeInsensitive: 'like',
  forUpdate: (query) => query,
  indexed: (knex, table, index) => knex.raw('?? INDEXED BY ??', [table, index]),
  jsonListHasLower: (column, count) =>
    `EXISTS (SELECT 1 FROM json_each(${column}) AS t WHERE lower(t.value) IN (${marks(count)}))`,
  // Names never hold a quote or backslash (broadcasts/audience.ts), so the path needs no escaping.
  jsonField: (column, key) => ({ sql: `json_extract(${column}, ?)`, binding: `$."${key}"` }),
  position: (haystack) => `instr(${haystack}, ?)`,
  lower: (text) => text.replace(/[A-Z]+/g, (s) => s.toLowerCase()),
};

const POSTGRES: SqlDialect = {
  name: 'postgres',
  rawRows: (result) => rowsOf(field(result, 'rows')),
  rawChanges: (result) => Number(field(result, 'rowCount') ?? 0),
  likeInsensitive: 'ilike',
  forUpdate: (query) => query.forUpdate(),
  indexed: (_knex, table) => table,
  jsonListHasLower: (column, count) =>
    `EXISTS (SELECT 1 FROM json_array_elements_text(${column}::json) AS t(v) WHERE lower(t.v) IN (${marks(count)}))`,
  jsonField: (column, key) => ({ sql: `(${column}::json ->> ?)`, binding: key }),
  position: (haystack) => `strpos(${haystack}, ?)`,
  lower: (text) => text.toLowerCase(),
};

/** The dialect this knex, transaction or query builder speaks. */
export function dialectOf(knex: Knex | Knex.QueryBuilder): SqlDialect {
  return field(knex.client, 'dialect') === 'postgresql' ? POSTGRES : SQLITE;
}
