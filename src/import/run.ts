/**
 * One import from start to end: read, validate, drop duplicates, check references, and
 * write good rows in batches through an ImportStore. Memory holds one batch and the ids
 * seen so far (to report duplicates), never the file.
 */
import type { Readable } from 'node:stream';
import type { ContentInput } from '../domain.js';
import { EXIT } from '../errors.js';
import { checkHeader } from './columns.js';
import { jsonValueProblems } from './json-values.js';
import { readRecords } from './parse.js';
import { SharedAddresses } from './addresses.js';
import { Tally, type ImportReport } from './tally.js';
import { show } from './text.js';
import {
  type CustomerPatch,
  type EventInput,
  type ImportFormat,
  type ImportKind,
  type ImportStore,
  RECORD_FIELD,
  type RowError,
  type UpsertCounts,
  type Validation,
} from './types.js';
import { validateContent } from './validate-content.js';
import { validateCustomer } from './validate-customer.js';
import { validateEvent } from './validate-event.js';

export { formatRowError } from './format.js';
export type { ImportReport } from './tally.js';
export type { ImportStore, UpsertCounts } from './types.js';

export interface ImportOptions {
  kind: ImportKind;
  input: Readable;
  format: ImportFormat;
  store: ImportStore;
  /** Validate (and check references) only; write nothing. */
  dryRun: boolean;
  /** The current time, epoch ms: passed to the store and used for "in the future" checks. */
  now: number;
  /** Rows per store call. */
  batchSize?: number;
  /** How many problems the report keeps; more are counted, not kept. */
  maxErrors?: number;
}

interface Pending<T> {
  line: number;
  value: T;
}

interface KindHandler<T> {
  validate(record: Record<string, unknown>, line: number, now: number): Validation<T>;
  upsert(store: ImportStore, rows: T[], now: number, dryRun: boolean): Promise<UpsertCounts>;
  /** Problems found by asking the store about a whole batch (one per refused row). */
  screen?(store: ImportStore, rows: readonly Pending<T>[]): Promise<RowError[]>;
}

/** A validator that first refuses what JSON can carry but a record must not hold (json-values.ts). */
function refusingJsonEdges<T>(validate: KindHandler<T>['validate']): KindHandler<T>['validate'] {
  return (record, line, now) => {
    const errors = jsonValueProblems(record, line);
    return errors.length > 0 ? { errors } : validate(record, line, now);
  };
}

const customers: KindHandler<CustomerPatch> = {
  validate: refusingJsonEdges(validateCustomer),
  upsert: (store, rows, now, dryRun) => store.upsertCustomers(rows, now, dryRun),
};

const events: KindHandler<EventInput> = {
  validate: refusingJsonEdges(validateEvent),
  upsert: (store, rows, now, dryRun) => store.upsertEvents(rows, now, dryRun),
  async screen(store, rows) {
    const ids = [...new Set(rows.map((row) => row.value.customer_id))];
    const missing = await store.missingCustomerIds(ids);
    return rows
      .filter((row) => missing.has(row.value.customer_id))
      .map((row) => ({
        line: row.line,
        field: 'customer_id',
        reason: `no customer with id ${show(row.value.customer_id)}`,
      }));
  },
};

const content: KindHandler<ContentInput> = {
  validate: refusingJsonEdges((record, line) => validateContent(record, line)),
  upsert: (store, rows, now, dryRun) => store.upsertContent(rows, now, dryRun),
};

const HANDLERS = { customers, events, content } as const;

/** Imports one file; throws AppError E_IMPORT_UNREADABLE when nothing can be read. */
export function runImport(options: ImportOptions): Promise<ImportReport> {
  return importWith(HANDLERS[options.kind] as KindHandler<{ id: string }>, options);
}

export interface CheckedRecords {
  /** The good rows, in order; stored by `store` below. */
  rows: Array<{ id: string }>;
  /** Every problem; `line` is the record's position, from 1. */
  errors: RowError[];
  /** Writes the good rows in one store call. */
  store(): Promise<UpsertCounts>;
}

/**
 * Records already in memory (the API's), checked exactly as an import checks a file's rows:
 * the same validation, duplicates and references, with the record's position as its line.
 * Nothing is written until `store()`: the caller decides (the API stores all or nothing).
 */
export async function checkRecords(
  kind: ImportKind,
  records: readonly Record<string, unknown>[],
  store: ImportStore,
  now: number,
): Promise<CheckedRecords> {
  const handler = HANDLERS[kind] as KindHandler<{ id: string }>;
  const errors: RowError[] = [];
  const good: Pending<{ id: string }>[] = [];
  const firstLineOf = new Map<string, number>();
  records.forEach((record, i) => {
    const line = i + 1;
    const result = handler.validate(record, line, now);
    if ('errors' in result) return void errors.push(...result.errors);
    const first = firstLineOf.get(result.value.id);
    if (first !== undefined) return void errors.push({ line, field: 'id', reason: `duplicate of line ${first}` });
    firstLineOf.set(result.value.id, line);
    good.push({ line, value: result.value });
  });
  if (handler.screen && good.length > 0) errors.push(...(await handler.screen(store, good)));
  errors.sort((a, b) => a.line - b.line);
  const rows = good.map((row) => row.value);
  return { rows, errors, store: () => handler.upsert(store, rows, now, false) };
}

async function importWith<T extends { id: string }>(
  handler: KindHandler<T>,
  options: ImportOptions,
): Promise<ImportReport> {
  const { kind, input, format, now } = options;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 1000));
  const tally = new Tally(kind, options.dryRun, options.maxErrors ?? 1000);
  const firstLineOf = new Map<string, number>();
  let batch: Pending<T>[] = [];
  const shared = kind === 'customers' ? new SharedAddresses() : undefined;
  const onHeader = (columns: readonly string[]) => checkHeader(kind, columns);
  for await (const item of readRecords(input, format, { onHeader })) {
    tally.read();
    if ('error' in item) {
      tally.reject([{ line: item.line, field: RECORD_FIELD, reason: item.error }]);
      continue;
    }
    const result = handler.validate(item.record, item.line, now);
    if ('errors' in result) {
      tally.reject(result.errors);
      continue;
    }
    const first = firstLineOf.get(result.value.id);
    if (first !== undefined) {
      tally.reject([{ line: item.line, field: 'id', reason: `duplicate of line ${first}` }]);
      continue;
    }
    firstLineOf.set(result.value.id, item.line);
    batch.push({ line: item.line, value: result.value });
    if (batch.length >= batchSize) {
      await flush(handler, batch, options, tally, shared);
      batch = [];
    }
  }
  if (batch.length > 0) await flush(handler, batch, options, tally, shared);
  return tally.finish();
}

/**
 * Screens one batch, then writes what is left in a single store call (a dry run asks the store
 * for the same counts and writes nothing). Customers sharing an address are noted.
 */
async function flush<T>(
  handler: KindHandler<T>,
  batch: Pending<T>[],
  options: ImportOptions,
  tally: Tally,
  shared?: SharedAddresses,
): Promise<void> {
  let rows = batch;
  const problems = handler.screen ? await handler.screen(options.store, batch) : [];
  if (problems.length > 0) {
    for (const problem of problems) tally.reject([problem]);
    const refused = new Set(problems.map((problem) => problem.line));
    rows = batch.filter((row) => !refused.has(row.line));
  }
  if (rows.length === 0) return;
  if (shared) {
    const notes = await shared.check(options.store, rows as unknown as Pending<{ id: string; email: string }>[]);
    for (const note of notes) tally.note(note);
  }
  const values = rows.map((row) => row.value);
  tally.accept(rows.length, await handler.upsert(options.store, values, options.now, options.dryRun));
}

/** The exit code of a finished import: 0 when every row was good, 3 when some were refused. */
export function exitCodeFor(report: ImportReport): number {
  return report.rejectedCount > 0 ? EXIT.rejectedRows : EXIT.ok;
}
