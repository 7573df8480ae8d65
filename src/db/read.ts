/**
 * Reading rows as the drivers return them into typed values. knex hands back untyped rows, and
 * the two databases disagree on some types: SQLite stores booleans as 0/1 and JSON as text,
 * Postgres may send numbers as strings. Each table module maps its rows through these readers
 * in one function, so a column that is not what the schema promises fails loudly, naming it.
 */
import { AppError } from '../errors.js';

/** One row as the driver returned it: column name to value. */
export type Row = Readonly<Record<string, unknown>>;

function isRow(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unexpected(what: string, value: unknown): AppError {
  const got = value === null ? 'null' : typeof value;
  return new AppError('E_DB_ROW', `The database returned ${what}, got ${got}: is the schema migrated?`);
}

/** The rows of a query result. */
export function rowsOf(result: unknown): Row[] {
  if (!Array.isArray(result)) throw unexpected('a list of rows', result);
  const values: unknown[] = result;
  const rows: Row[] = [];
  for (const value of values) {
    if (!isRow(value)) throw unexpected('a row', value);
    rows.push(value);
  }
  return rows;
}

/** The row of a `.first()` result, undefined when there was none. */
export function rowOf(result: unknown): Row | undefined {
  if (result === undefined || result === null) return undefined;
  if (!isRow(result)) throw unexpected('a row', result);
  return result;
}

/** A number column (Postgres sends bigint and count() as strings). */
export function num(row: Row, column: string): number {
  const value = row[column];
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (Number.isNaN(n)) throw unexpected(`a number in ${column}`, value);
  return n;
}

export function numOrNull(row: Row, column: string): number | null {
  const value = row[column];
  return value === null || value === undefined ? null : num(row, column);
}

export function str(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw unexpected(`text in ${column}`, value);
  return value;
}

export function strOrNull(row: Row, column: string): string | null {
  const value = row[column];
  return value === null || value === undefined ? null : str(row, column);
}

/** A boolean column: SQLite stores 0/1. */
export function bool(row: Row, column: string): boolean {
  const value = row[column];
  return value === true || value === 1 || value === '1' || value === 't';
}

/** A binary column (bytea on Postgres, BLOB on SQLite). */
export function bytes(row: Row, column: string): Buffer {
  const value = row[column];
  if (!Buffer.isBuffer(value)) throw unexpected(`bytes in ${column}`, value);
  return value;
}

/** A column holding one of a fixed set of words (a status, a kind). */
export function oneOf<T extends string>(row: Row, column: string, values: readonly T[]): T {
  const value = str(row, column);
  const found = values.find((v) => v === value);
  if (found === undefined) throw unexpected(`one of ${values.join(', ')} in ${column}`, value);
  return found;
}

function parsed(row: Row, column: string): unknown {
  const value = row[column];
  if (typeof value !== 'string') return value ?? null;
  try {
    const out: unknown = JSON.parse(value);
    return out;
  } catch {
    return null;
  }
}

/** A JSON object column (text on SQLite, json on Postgres); `{}` when empty or not an object. */
export function jsonObject(row: Row, column: string): Record<string, unknown> {
  const value = parsed(row, column);
  return isRow(value) ? { ...value } : {};
}

/** A JSON object column, or null when the column is null. */
export function jsonObjectOrNull(row: Row, column: string): Record<string, unknown> | null {
  const value = row[column];
  return value === null || value === undefined ? null : jsonObject(row, column);
}

/** The text values of a parsed JSON object; other values are left out. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRow(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** The text items of a parsed JSON list; `[]` when not a list. */
export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A JSON object of text values; other values are left out. */
export function jsonStringMap(row: Row, column: string): Record<string, string> {
  return stringMap(parsed(row, column));
}

/** A JSON list of text; `[]` when empty or not a list, other values left out. */
export function jsonStrings(row: Row, column: string): string[] {
  return stringList(parsed(row, column));
}

/** The `n` of a `count({ n: '*' }).first()` (0 when there was no row). */
export function countOf(result: unknown, column = 'n'): number {
  const row = rowOf(result);
  return row === undefined ? 0 : num(row, column);
}

/** Values of one text column over rows. */
export function strings(result: unknown, column: string): string[] {
  return rowsOf(result).map((r) => str(r, column));
}

/** The id of the first row an `insert(…, ['id'])` returned (a bare number from older drivers). */
export function insertedId(result: unknown, column = 'id'): number {
  const first: unknown = Array.isArray(result) ? result[0] : undefined;
  if (typeof first === 'number') return first;
  const row = rowOf(first);
  if (row === undefined) throw unexpected('the inserted row', first);
  return num(row, column);
}
