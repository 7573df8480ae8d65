/**
 * One import of a file into the database, as `rapport import` and the console's import page
 * both run it: the business zone and consent words from the configuration, the database as the
 * store. A dry run (`dryRun`) reads and checks every row and writes nothing. A file named by its
 * path is imported from a thread of its own (thread.ts); with `import.writer_thread`, a long
 * customer import writes from another.
 */
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { importStore } from './db-store.js';
import { type ImportOptions, type ImportReport, runImport, WRITER_FROM_ROWS } from './run.js';
import { importInThread } from './thread.js';

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

/** A second thread writes only where a second core runs it: on one, both threads would share it. */
function writerThread(config: Config): boolean {
  return config.import.writer_thread && availableParallelism() > 1;
}

/** What the configuration decides of an import. */
function configured(config: Config, options: Omit<FileImport, 'input'>) {
  return {
    batchSize: options.batchSize ?? FILE_BATCH,
    zone: config.business.timezone,
    consent: config.import.consent,
    writerFromRows: options.writerFromRows ?? (writerThread(config) ? WRITER_FROM_ROWS : undefined),
  };
}

/** An import of `options.input` on this thread. */
export function importInto(db: Database, config: Config, options: FileImport): Promise<ImportReport> {
  return runImport({ ...options, ...configured(config, options), store: importStore(db) });
}

/**
 * The file at `path` imported as importInto does: from a thread of its own, with its own
 * connection, unless the database is SQLite in memory (no other connection sees it).
 */
export function importPath(
  db: Database,
  config: Config,
  path: string,
  options: Omit<FileImport, 'input'>,
): Promise<ImportReport> {
  if (db.url === undefined) return importInto(db, config, { ...options, input: createReadStream(path) });
  const { onMapping, onProgress, ...rest } = options;
  return importInThread({ url: db.url, options: { ...rest, ...configured(config, options) } }, path, {
    onMapping,
    onProgress,
  });
}
