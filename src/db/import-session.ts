/**
 * Settings for the length of one import on SQLite. In WAL mode every commit that leaves the
 * log past `wal_autocheckpoint` pages (1,000 by default) copies it back into the database
 * file and syncs it; a batch of 5,000 new customers dirties more pages than that (the table
 * and its dozen indexes), so each batch's commit paid for a checkpoint. During an import the
 * log may grow to IMPORT_CHECKPOINT_PAGES first, so a page written by many batches is copied
 * once. Each commit stays as durable as before (the log is the database until checkpointed),
 * so a crash mid-import still keeps every committed batch.
 *
 * The page cache is smaller meanwhile. An import writes each batch's pages to the log at its
 * commit and seldom reads a page twice, so beyond a few MB the cache only adds to the process's
 * memory: on 1M new customers an 8 MB cache took no more CPU than the connection's 64 MB and kept
 * the process ~60 MB smaller.
 *
 * Statement journals stay in memory (temp_store): the triggers on customers (audience-schema.ts)
 * make SQLite keep each upsert's changed pages to undo that statement alone, and past 64 KiB
 * (a row touches the table and a dozen indexes) it wrote them to a temporary file for every row
 * — three times the CPU of the import. The previous values are restored afterwards: on the
 * daemon the connection is shared with everything else.
 */
import type { Knex } from 'knex';
import { dialectOf } from './dialect.js';
import { importSettings, type PragmaConnection, restoreSettings } from './sqlite-settings.js';

interface Pool {
  acquireConnection(): Promise<PragmaConnection>;
  releaseConnection(conn: PragmaConnection): Promise<void>;
}

/** Runs `use` on the pool's SQLite connection, borrowed for that long. */
export async function withConnection<T>(knex: Knex, use: (conn: PragmaConnection) => T): Promise<T> {
  const pool = knex.client as Pool;
  const conn = await pool.acquireConnection();
  try {
    return use(conn);
  } finally {
    await pool.releaseConnection(conn);
  }
}

/** Runs `work` (one import) with the import's settings, restoring the connection's own after. */
export async function withImportSession<T>(knex: Knex, work: () => Promise<T>): Promise<T> {
  if (dialectOf(knex).name === 'postgres') return work();
  const before = await withConnection(knex, importSettings);
  try {
    return await work();
  } finally {
    await withConnection(knex, (conn) => restoreSettings(conn, before));
  }
}
