/**
 * One import of a file into the database, as `rapport import` and the console's import page
 * both run it: the business zone and consent words from the configuration, the database as the
 * store. A dry run (`dryRun`) reads and checks every row and writes nothing.
 */
import type { Readable } from 'node:stream';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { importStore } from './db-store.js';
import { type ImportOptions, type ImportReport, runImport } from './run.js';

export type FileImport = Omit<ImportOptions, 'store' | 'zone' | 'consent' | 'input'> & { input: Readable };

export function importInto(db: Database, config: Config, options: FileImport): Promise<ImportReport> {
  return runImport({
    ...options,
    store: importStore(db),
    zone: config.business.timezone,
    consent: config.import.consent,
  });
}
