/**
 * `rapport export`: customers, events or deliveries as CSV or JSON Lines, read in keyset pages
 * so memory stays flat whatever the table's size. Customers and events come out in the shape
 * `rapport import` reads (attributes and event data as their own columns or keys), so an export
 * imports again unchanged.
 */
import type { Database } from '../db/connect.js';
import { customerPage, type CustomerSelector } from '../db/customers.js';
import { listDeliveries } from '../db/deliveries.js';
import { eventPage } from '../db/events.js';
import type { Customer, CustomerEvent } from '../domain.js';
import { deliveryJson } from '../cli/books.js';
import { csvLine } from './csv.js';
import { CUSTOMER_COLUMNS } from '../import/validate-customer.js';
import { scalarText } from '../text.js';

import type { ExportKind } from './kinds.js';
export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** Which customers a customers export holds (default: all). */
  customers?: CustomerSelector;
}

/** Rows read per query. */
const EXPORT_PAGE = 1000;

type Flat = Record<string, unknown>;

interface Source {
  fixed: readonly string[];
  /** The record's own keys beyond `fixed` (attributes, event data), for CSV columns. */
  extra(row: Flat): readonly string[];
  pages(db: Database, options: ExportOptions): AsyncGenerator<Flat[]>;
}

/** The customer's own fields, as imports name them (country and region included), then attributes. */
const CUSTOMER_FIELDS = [...CUSTOMER_COLUMNS];
const EVENT_FIELDS = ['id', 'customer_id', 'type', 'occurred_at'];

/** A record's keys beyond its kind's own fields: its attributes or event data. */
function beyond(fields: readonly string[]): (row: Flat) => string[] {
  const own = new Set(fields);
  return (row) => Object.keys(row).filter((k) => !own.has(k));
}

function flatCustomer(c: Customer): Flat {
  const out: Flat = {};
  for (const field of CUSTOMER_FIELDS) out[field] = c[field as keyof Customer];
  return Object.assign(Object.fromEntries(Object.entries(c.attributes)), out);
}

function flatEvent(e: CustomerEvent): Flat {
  const base = {
    id: e.id,
    customer_id: e.customer_id,
    type: e.type,
    occurred_at: new Date(e.occurred_at).toISOString(),
  };
  return Object.assign(Object.fromEntries(Object.entries(e.data)), base);
}

async function* keyset<T extends { id: string | number }>(
  next: (after: T['id'] | null) => Promise<T[]>,
  flat: (row: T) => Flat,
): AsyncGenerator<Flat[]> {
  let after: T['id'] | null = null;
  for (;;) {
    const page = await next(after);
    if (page.length === 0) return;
    yield page.map(flat);
    after = page.at(-1)?.id ?? after;
  }
}

const SOURCES: Record<ExportKind, Source> = {
  customers: {
    fixed: CUSTOMER_FIELDS,
    extra: beyond(CUSTOMER_FIELDS),
    pages: (db, options) =>
      keyset<Customer>(
        (after) => customerPage(db.knex, options.customers ?? { kind: 'all' }, after, EXPORT_PAGE),
        flatCustomer,
      ),
  },
  events: {
    fixed: EVENT_FIELDS,
    extra: beyond(EVENT_FIELDS),
    pages: (db) => keyset<CustomerEvent>((after) => eventPage(db.knex, after, EXPORT_PAGE), flatEvent),
  },
  deliveries: {
    fixed: [
      'id',
      'automation',
      'customer_id',
      'email',
      'occurrence',
      'status',
      'attempts',
      'due_at',
      'sent_at',
      'message_id',
      'error',
    ],
    extra: () => [],
    pages: (db) =>
      keyset(
        (after: number | null) =>
          listDeliveries(db.knex, { limit: EXPORT_PAGE, ...(after === null ? {} : { afterId: after }) }),
        deliveryJson,
      ),
  },
};

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(';');
  return scalarText(value);
}

/**
 * The columns of a CSV export: the fixed ones, then every attribute or data key found, in
 * first-seen order. Found by a first pass over the table (keys only are kept), since a CSV
 * header must come before the rows.
 */
async function csvColumns(source: Source, db: Database, options: ExportOptions): Promise<string[]> {
  const extra = new Set<string>();
  for await (const page of source.pages(db, options))
    for (const row of page) for (const key of source.extra(row)) extra.add(key);
  return [...source.fixed, ...extra];
}

/** Writes the export through `write` (which should wait for the output to drain); returns the row count. */
export async function runExport(
  db: Database,
  kind: ExportKind,
  format: ExportFormat,
  write: (chunk: string) => Promise<void>,
  options: ExportOptions = {},
): Promise<number> {
  const source = SOURCES[kind];
  const columns = format === 'csv' ? await csvColumns(source, db, options) : [];
  if (format === 'csv') await write(csvLine(columns));
  let count = 0;
  for await (const page of source.pages(db, options)) {
    const text =
      format === 'csv'
        ? page.map((row) => csvLine(columns.map((c) => cellText(row[c])))).join('')
        : page.map((row) => `${JSON.stringify(row)}\n`).join('');
    await write(text);
    count += page.length;
  }
  return count;
}
