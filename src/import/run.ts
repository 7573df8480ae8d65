/**
 * One import from start to end: read, validate, drop duplicates, check references, and
 * write good rows in batches through an ImportStore. Memory holds one batch and the ids
 * seen so far (to report duplicates), never the file.
 */
import type { Readable } from 'node:stream';
import type { ContentInput } from '../domain.js';
import { addressKey } from '../address.js';
import { EXIT } from '../errors.js';
import { jsonValueProblems } from './json-values.js';
import { SharedAddresses } from './addresses.js';
import type { DateFormat } from './date-input.js';
import type { ExplicitMap, Mapping } from './mapping.js';
import { type ConsentWords, DATE_FIELDS, type FieldProblem } from './prepare.js';
import { IdLines } from './id-lines.js';
import { PipelinedWrites } from './pipelined.js';
import { preparedRecords } from './prepared.js';
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
  /** Rows per store call (one transaction each); 5000 unless given. */
  batchSize?: number;
  /** How many problems the report keeps; more are counted, not kept. */
  maxErrors?: number;
  /** Header → field, before the recognised export headers. */
  map?: ExplicitMap;
  /** How the file writes dates, when not ISO 8601. */
  dateFormat?: DateFormat;
  /** Where a time without an offset is read (the business zone); UTC when not given. */
  zone?: string;
  /** Consent words beyond the built-in ones. */
  consent?: ConsentWords;
  /** A bad optional field refuses the row instead of being left out with a warning. */
  strict?: boolean;
  /** Called once with the mapping a CSV or Excel file was read with, as lines to print and as it is. */
  onMapping?: (lines: string[], mapping: Mapping) => void;
  /** Called with the rows read so far, every PROGRESS_ROWS rows. */
  onProgress?: (read: number) => void;
  /**
   * Customers written in turn before the rest go to the store's writer thread, when it has one
   * (0: from the first batch; undefined: all written in turn).
   */
  writerFromRows?: number;
}

/** Rows per store call: large enough that a transaction's cost is spread, small enough to hold. */
const DEFAULT_BATCH = 5000;
/**
 * Good customer rows written in turn before the writes move to a thread of their own, when an
 * import has one: below this an import takes a second or two, less than starting the thread.
 */
export const WRITER_FROM_ROWS = 20_000;
/**
 * Good customer rows written before a long import into a store that holds no more customers than
 * that sets aside the indexes it does not read, to build them once at the end (ImportStore).
 */
export const SET_ASIDE_FROM_ROWS = 20_000;
/** How often `onProgress` hears of the rows read. */
const PROGRESS_ROWS = 1000;

interface Pending<T> {
  line: number;
  value: T;
}

interface KindHandler<T> {
  validate: (record: Record<string, unknown>, line: number, now: number, strict: boolean) => Validation<T>;
  upsert(store: ImportStore, rows: T[], now: number, dryRun: boolean): Promise<UpsertCounts>;
  /** Problems found by asking the store about a whole batch (one per refused row). */
  screen?(store: ImportStore, rows: readonly Pending<T>[]): Promise<RowError[]>;
}

/**
 * A validator that first refuses what JSON can carry but a record must not hold (json-values.ts).
 * A CSV file's records need no such walk: every value is text decoded from UTF-8 (no numbers,
 * no lone surrogates), so its rows are checked by the kind's validator alone.
 */
function refusingJsonEdges<T>(validate: KindHandler<T>['validate']): KindHandler<T>['validate'] {
  return (record, line, now, strict) => {
    const errors = jsonValueProblems(record, line);
    return errors.length > 0 ? { errors } : validate(record, line, now, strict);
  };
}

function validatorFor<T>(handler: KindHandler<T>, format: ImportFormat | 'api'): KindHandler<T>['validate'] {
  return format === 'csv' ? handler.validate : refusingJsonEdges(handler.validate);
}

const customers: KindHandler<CustomerPatch> = {
  validate: validateCustomer,
  upsert: (store, rows, now, dryRun) => store.upsertCustomers(rows, now, dryRun),
};

const events: KindHandler<EventInput> = {
  validate: (record, line, now) => validateEvent(record, line, now),
  upsert: (store, rows, now, dryRun) => store.upsertEvents(rows, now, dryRun),
  async screen(store, rows) {
    const problems = await resolveEmails(store, rows);
    const named = rows.filter((row) => row.value.customer_id !== '');
    const ids = [...new Set(named.map((row) => row.value.customer_id))];
    const missing = await store.missingCustomerIds(ids);
    for (const row of named) {
      if (!missing.has(row.value.customer_id)) continue;
      problems.push({
        line: row.line,
        field: 'customer_id',
        reason: `no customer with id ${show(row.value.customer_id)}`,
      });
    }
    return problems;
  },
};

/** Fills `customer_id` of events that name their customer by email; one problem per row that cannot be. */
async function resolveEmails(store: ImportStore, rows: readonly Pending<EventInput>[]): Promise<RowError[]> {
  const byEmail = rows.filter((row) => row.value.customer_email !== undefined);
  if (byEmail.length === 0) return [];
  const found = await store.customersAtAddresses([
    ...new Set(byEmail.map((row) => addressKey(row.value.customer_email ?? ''))),
  ]);
  const problems: RowError[] = [];
  for (const row of byEmail) {
    const address = row.value.customer_email ?? '';
    const ids = found.get(addressKey(address)) ?? [];
    if (ids.length === 1) row.value.customer_id = ids[0] as string;
    else {
      const reason =
        ids.length === 0
          ? `no customer with email ${show(address)}`
          : `${ids.length} customers have email ${show(address)}; give customer_id`;
      problems.push({ line: row.line, field: 'customer_email', reason });
    }
  }
  return problems;
}

const content: KindHandler<ContentInput> = {
  validate: (record, line) => validateContent(record, line),
  upsert: (store, rows, now, dryRun) => store.upsertContent(rows, now, dryRun),
};

const HANDLERS = { customers, events, content } as const;

/** Imports one file; throws AppError E_IMPORT_UNREADABLE when nothing can be read. */
export function runImport(options: ImportOptions): Promise<ImportReport> {
  const work = () => importWith(HANDLERS[options.kind] as KindHandler<{ id: string }>, options);
  return options.store.session ? options.store.session(work) : work();
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
  const validate = validatorFor(handler, 'api');
  records.forEach((record, i) => {
    const line = i + 1;
    const result = validate(record, line, now, true);
    if ('errors' in result) return void errors.push(...result.errors);
    const first = firstLineOf.get(result.value.id);
    if (first !== undefined)
      return void errors.push({ line, field: 'id', reason: `duplicate of line ${first}` });
    firstLineOf.set(result.value.id, line);
    good.push({ line, value: result.value });
  });
  if (handler.screen && good.length > 0) errors.push(...(await handler.screen(store, good)));
  errors.sort((a, b) => a.line - b.line);
  const rows = good.map((row) => row.value);
  return { rows, errors, store: () => handler.upsert(store, rows, now, false) };
}

/** Fields whose bad value leaves the row imported without it (unless strict). */
function optionalDateFields(kind: ImportKind): Set<string> {
  return kind === 'customers' ? new Set(Object.keys(DATE_FIELDS.customers)) : new Set();
}

/**
 * The problems the preparation found: an optional field is removed from the record (and
 * warned about), anything else refuses the row.
 */
function sortProblems(
  kind: ImportKind,
  record: Record<string, unknown>,
  problems: FieldProblem[],
  line: number,
  strict: boolean,
) {
  const optional = optionalDateFields(kind);
  const errors: RowError[] = [];
  const warnings: RowError[] = [];
  for (const { field, reason } of problems) {
    if (optional.has(field) && !strict) {
      delete record[field];
      warnings.push({ line, field, reason });
    } else errors.push({ line, field, reason });
  }
  return { errors, warnings };
}

async function importWith<T extends { id: string }>(
  handler: KindHandler<T>,
  options: ImportOptions,
): Promise<ImportReport> {
  const { kind, now } = options;
  const strict = options.strict === true;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH));
  const tally = new Tally(kind, options.dryRun, options.maxErrors ?? 1000);
  const firstLineOf = new IdLines();
  let batch: Pending<T>[] = [];
  const lineOf = (id: string) => firstLineOf.get(id);
  const shared = kind === 'customers' ? new SharedAddresses(lineOf, options.dryRun) : undefined;
  const source = preparedRecords({ ...options, zone: options.zone ?? 'UTC' });
  const validate = validatorFor(handler, options.format);
  const writes = new Writes(handler, options, tally, shared);
  try {
    let read = 0;
    for await (const item of source.rows) {
      tally.read();
      if (++read % PROGRESS_ROWS === 0) options.onProgress?.(read);
      if ('error' in item) {
        tally.reject([{ line: item.line, field: RECORD_FIELD, reason: item.error }]);
        continue;
      }
      const early = sortProblems(kind, item.record, item.problems, item.line, strict);
      const result = validate(item.record, item.line, now, strict);
      if ('errors' in result || early.errors.length > 0) {
        // The preparation's reason for a field says more than the row check's about the same value.
        const named = new Set(early.errors.map((e) => e.field));
        const later = 'errors' in result ? result.errors.filter((e) => !named.has(e.field)) : [];
        tally.reject([...early.errors, ...later]);
        continue;
      }
      const first = firstLineOf.get(result.value.id);
      if (first !== undefined) {
        tally.reject([{ line: item.line, field: 'id', reason: `duplicate of line ${first}` }]);
        continue;
      }
      tally.warn([...early.warnings, ...(result.warnings ?? [])]);
      firstLineOf.add(result.value.id, item.line);
      batch.push({ line: item.line, value: result.value });
      if (batch.length >= batchSize) {
        await writes.write(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await writes.write(batch);
    await writes.drain();
  } finally {
    // Batches already handed over are committed (or failed) before the import ends either way.
    await writes.close();
  }
  tally.zoned(source.zoned(), options.zone ?? 'UTC');
  return tally.finish();
}

/**
 * Where an import's batches go: each written in turn (flush), or, past `writerFromRows` good
 * customer rows and when the store has one, to its writer thread (PipelinedWrites). Past
 * SET_ASIDE_FROM_ROWS, a customer import asks the store once to set indexes aside, and has them
 * built again when it ends, however it ends.
 */
class Writes<T> {
  private written = 0;
  private pipeline: PipelinedWrites | undefined;
  private asked = false;
  private setAside = false;

  constructor(
    private readonly handler: KindHandler<T>,
    private readonly options: ImportOptions,
    private readonly tally: Tally,
    private readonly shared: SharedAddresses | undefined,
  ) {}

  async write(batch: Pending<T>[]): Promise<void> {
    const { store, dryRun, writerFromRows = Infinity } = this.options;
    if (
      !this.asked &&
      this.shared &&
      !dryRun &&
      this.written >= SET_ASIDE_FROM_ROWS &&
      store.setAsideIndexes
    ) {
      this.asked = true;
      this.setAside = await store.setAsideIndexes(this.written, this.options.now);
    }
    if (!this.pipeline && this.shared && !dryRun && this.written >= writerFromRows && store.customerWriter) {
      this.pipeline = new PipelinedWrites(store.customerWriter(), this.tally, this.shared, this.options.now);
    }
    if (this.pipeline) await this.pipeline.add(batch as unknown as Pending<CustomerPatch>[]);
    else await flush(this.handler, batch, this.options, this.tally, this.shared);
    this.written += batch.length;
  }

  /** Waits until every batch handed to the writer thread is committed; throws the first failure. */
  async drain(): Promise<void> {
    await this.pipeline?.drain();
  }

  async close(): Promise<void> {
    try {
      await this.pipeline?.close();
    } finally {
      if (this.setAside) await this.options.store.restoreIndexes?.();
    }
  }
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
    const notes = await shared.check(
      options.store,
      rows as unknown as Pending<{ id: string; email: string }>[],
    );
    for (const note of notes) tally.note(note);
  }
  const values = rows.map((row) => row.value);
  tally.accept(rows.length, await handler.upsert(options.store, values, options.now, options.dryRun));
}

/** The exit code of a finished import: 0 when every row was good, 3 when some were refused. */
export function exitCodeFor(report: ImportReport): number {
  return report.rejectedCount > 0 ? EXIT.rejectedRows : EXIT.ok;
}
