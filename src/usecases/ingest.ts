/**
 * Records that arrive from outside while the daemon runs (the API, shop and generic webhooks):
 * checked exactly as an import checks a file's rows, stored all or nothing, then the customers
 * they concern planned at once and the delivery loop woken when something new is due.
 */
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { importStore } from '../import/db-store.js';
import { checkRecords } from '../import/run.js';
import type { EventInput, ImportKind, RowError, UpsertCounts } from '../import/types.js';
import { planNow } from '../schedule/tick.js';

export interface IngestDeps {
  db: Database;
  config: Config;
  now(): number;
  /** Hint the delivery loop that new work may be due. */
  wake(): void;
}

/** Every problem when any record is bad (nothing stored), else what was stored and for whom. */
export type Stored =
  { ok: false; errors: RowError[] } | { ok: true; counts: UpsertCounts; customerIds: string[] };

export type Ingested =
  | { ok: false; errors: RowError[] }
  | { ok: true; counts: UpsertCounts; customerIds: string[]; planned: number | null };

/** Validates records of one kind and stores them, or none of them when any is bad. */
export async function storeRecords(
  deps: Pick<IngestDeps, 'db' | 'now'>,
  kind: ImportKind,
  records: readonly Record<string, unknown>[],
): Promise<Stored> {
  const checked = await checkRecords(kind, records, importStore(deps.db), deps.now());
  const { rows, errors } = checked;
  if (errors.length > 0) return { ok: false, errors };
  const counts = await checked.store();
  const ids = rows.map((row) => (kind === 'events' ? (row as EventInput).customer_id : row.id));
  return { ok: true, counts, customerIds: [...new Set(ids)] };
}

/** Plans these customers now and wakes the delivery loop when that made something new; the count planned. */
export async function planCustomersNow(deps: IngestDeps, customerIds: readonly string[]): Promise<number> {
  const planned = await planNow(deps.db, deps.config, deps.now(), customerIds);
  if (planned.inserted > 0) deps.wake();
  return planned.inserted;
}

/**
 * Store, then plan (customers and events; content changes no one's plan): the API's request.
 * `planned` is null for content.
 */
export async function ingestRecords(
  deps: IngestDeps,
  kind: ImportKind,
  records: readonly Record<string, unknown>[],
): Promise<Ingested> {
  const stored = await storeRecords(deps, kind, records);
  if (!stored.ok) return stored;
  const planned = kind === 'content' ? null : await planCustomersNow(deps, stored.customerIds);
  return { ...stored, planned };
}
