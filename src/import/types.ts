import type { ContentInput, CustomerEvent } from '../domain.js';

/** What an import brings in: a customer file, an event file or a content file. */
export const IMPORT_KINDS = ['customers', 'events', 'content'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** The two file formats an import reads. */
export type ImportFormat = 'csv' | 'jsonl' | 'xlsx';

export type { CustomerInput, CustomerPatch } from '../domain.js';
import type { CustomerPatch } from '../domain.js';

/**
 * An event as imported. `customer_email` names the customer when the file has no customer id
 * (an order export); the import resolves it to `customer_id` before storing.
 */
export type EventInput = CustomerEvent & { customer_email?: string };

/** One problem with one row, printed as `line N: field: reason`. */
export interface RowError {
  /** The line in the file where the row starts (CSV header = line 1, first JSON line = line 1). */
  line: number;
  /** The column at fault, or `(record)` when the row as a whole is wrong. */
  field: string;
  /** What is wrong, in words a person who edits the spreadsheet can act on. */
  reason: string;
}

/** One item of a parsed file: a record, or a row that could not be parsed at all. */
export type ParsedRow = { line: number; record: Record<string, unknown> } | { line: number; error: string };

/** The outcome of validating one row; `warnings` name optional fields it was imported without. */
export type Validation<T> = { value: T; warnings?: RowError[] } | { errors: RowError[] };

/** What the store did with a batch of rows. */
export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Customers: rows that asked to re-subscribe an address that opted out (left unsubscribed). */
  keptUnsubscribed?: number;
}

/**
 * Where validated rows go; implemented on the database elsewhere. Every call receives a
 * whole batch and must apply it atomically; upserting a row identical to the stored one
 * counts as `unchanged` and changes nothing (so re-importing a file is a no-op). A customer
 * row is merged: only the fields it carries change. With `dryRun` the counts are computed
 * against what is stored, exactly as the real run would, and nothing is written.
 */
export interface ImportStore {
  upsertCustomers(rows: CustomerPatch[], now: number, dryRun?: boolean): Promise<UpsertCounts>;
  upsertEvents(rows: EventInput[], now: number, dryRun?: boolean): Promise<UpsertCounts>;
  upsertContent(rows: ContentInput[], now: number, dryRun?: boolean): Promise<UpsertCounts>;
  /** Stored customers' ids by address key (addressKey), for the keys given; every id when several share one. */
  customersAtAddresses(keys: string[]): Promise<Map<string, string[]>>;
  /** The ids among `ids` that name no stored customer. */
  missingCustomerIds(ids: string[]): Promise<Set<string>>;
  /** Runs a whole import, with whatever settings suit one on this store (none when absent). */
  session?<T>(work: () => Promise<T>): Promise<T>;
  /**
   * A writer of customer batches in a thread of its own, for a long import (absent when the store
   * cannot have one: a database in memory, Postgres). The caller closes it.
   */
  customerWriter?(): CustomerBatchWriter;
  /**
   * For a long customer import, once `written` rows are in: when the store holds no more
   * customers than that (the import is filling it), sets aside the indexes the import does not
   * read, to be built once at the end by restoreIndexes; answers whether it did.
   */
  setAsideIndexes?(written: number, now: number): Promise<boolean>;
  /** Builds again every index set aside. */
  restoreIndexes?(): Promise<void>;
}

/** What a customer batch written by a CustomerBatchWriter did. */
export interface WrittenCustomers {
  counts: UpsertCounts;
  /** The stored ids at each asked address key before the batch was written (keys with none left out). */
  atAddresses: Array<[string, string[]]>;
}

/**
 * Writes customer batches in turn while its caller goes on: each batch is merged as
 * upsertCustomers merges it, after every batch written before it. `write` resolves once the
 * batch is committed and rejects when it, or a batch before it, failed.
 */
export interface CustomerBatchWriter {
  write(
    rows: readonly CustomerPatch[],
    addressKeys: readonly string[],
    now: number,
  ): Promise<WrittenCustomers>;
  close(): Promise<void>;
}

/** The field name used for errors about a whole row rather than one column. */
export const RECORD_FIELD = '(record)';
