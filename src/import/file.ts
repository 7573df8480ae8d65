/**
 * One import of a file into the database, as `rapport import` and the console's import page
 * both run it: the business zone and consent words from the configuration, the database as the
 * store. A dry run (`dryRun`) reads and checks every row and writes nothing. With
 * `import.writer_thread`, a long customer import writes from a thread of its own.
 */
import type { Readable } from 'node:stream';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { importStore } from './db-store.js';
import { type ImportOptions, type ImportReport, runImport, WRITER_FROM_ROWS } from './run.js';

/**
 * Rows per store call (one transaction each) for a file. Fewer than runImport's default: on a
 * generated 1M-row customer file, batches of 1,000 took 8 % less CPU and 50 MB less peak memory
 * than batches of 5,000. What a batch holds (its rows, the stored records read for it, the rows
 * to write) lives across the batch's database calls, long enough for V8 to move it to the old
 * generation; the heap it then grows to is sized from that. With the write-ahead log
 * checkpointed seldom during an import (db/import-session.ts), more commits cost little.
 */
export const FILE_BATCH = 1000;

export type FileImport = Omit<ImportOptions, 'store' | 'zone' | 'consent' | 'input'> & { input: Readable };

export function importInto(db: Database, config: Config, options: FileImport): Promise<ImportReport> {
  return runImport({
    ...options,
    batchSize: options.batchSize ?? FILE_BATCH,
    store: importStore(db),
    zone: config.business.timezone,
    consent: config.import.consent,
    writerFromRows: options.writerFromRows ?? (config.import.writer_thread ? WRITER_FROM_ROWS : undefined),
  });
}
