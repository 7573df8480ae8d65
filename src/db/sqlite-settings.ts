/**
 * The settings of a SQLite connection, for the pool's (connect.ts) and for the import's writer
 * thread, which opens its own (customers-writer.ts): one place, so the two cannot drift. A module
 * without knex, as the writer thread loads it.
 */

/** What a better-sqlite3 connection offers for settings. */
export interface PragmaConnection {
  pragma(sql: string, options?: { simple: boolean }): unknown;
}

/** Every connection: the write-ahead log, and a wait for another process's write lock (an import, a second worker). */
export function connectionSettings(conn: PragmaConnection): void {
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  conn.pragma('busy_timeout = 5000');
  conn.pragma('foreign_keys = ON');
}

/** At 4 KiB pages, a log of up to ~80 MB on disk beside the database while an import runs. */
const IMPORT_CHECKPOINT_PAGES = 20_000;
/** The page cache while an import runs, in KiB. */
const IMPORT_CACHE_KIB = 8192;

/** A connection's settings that an import changes (import-session.ts says why). */
export interface ImportSettings {
  pages: number;
  cache: number;
  temp: number;
}

/** The import's settings (import-session.ts), answering the connection's own to restore after. */
export function importSettings(conn: PragmaConnection): ImportSettings {
  const before = {
    pages: Number(conn.pragma('wal_autocheckpoint', { simple: true })),
    cache: Number(conn.pragma('cache_size', { simple: true })),
    temp: Number(conn.pragma('temp_store', { simple: true })),
  };
  restoreSettings(conn, { pages: IMPORT_CHECKPOINT_PAGES, cache: -IMPORT_CACHE_KIB, temp: 2 });
  return before;
}

export function restoreSettings(conn: PragmaConnection, settings: ImportSettings): void {
  conn.pragma(`wal_autocheckpoint = ${settings.pages}`);
  conn.pragma(`cache_size = ${settings.cache}`);
  conn.pragma(`temp_store = ${settings.temp}`);
}
