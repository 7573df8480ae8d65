/**
 * Opening the database named by `database.url`: `sqlite:PATH` (embedded, the default)
 * or `postgres://…` (several workers on one server). Nothing outside src/db imports knex.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import knex, { type Knex } from 'knex';
import type pgModule from 'pg';
import { AppError } from '../errors.js';
import { connectionSettings } from './sqlite-settings.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  knex: Knex;
  dialect: Dialect;
  /** Where it lives, without credentials: for the banner and `status`. */
  describe: string;
  /** The SQLite file, absolute, when the database is one (not in memory): what another connection opens. */
  file?: string;
  /** What another thread opens to reach the same database (absent for SQLite in memory). */
  url?: string;
  close(): Promise<void>;
}

/**
 * The Postgres driver, loaded when a Postgres database is opened (some 15 MB that a SQLite
 * install never needs). BIGINT (int8) comes back as a string by default; our bigints are epoch
 * milliseconds and counts, all far below 2^53, so numbers are exact and simpler everywhere.
 */
function loadPg(): void {
  const pg = createRequire(import.meta.url)('pg') as typeof pgModule;
  pg.types.setTypeParser(20, (value: string) => Number(value));
}

export function openDatabase(url: string): Database {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url);
  throw new AppError(
    'E_DATABASE_URL',
    `DATABASE_URL must start with sqlite: or postgres:// (got "${url.split(':')[0]}:…")`,
  );
}

/** SQLite's page cache, in KiB. */
const CACHE_KIB = 65_536;

function openSqlite(path: string): Database {
  if (path === '')
    throw new AppError(
      'E_DATABASE_URL',
      'DATABASE_URL sqlite: needs a file path, e.g. sqlite:data/rapport.db',
    );
  const filename = path === ':memory:' ? path : resolve(path);
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const db = knex({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    // One connection: SQLite has one writer anyway, and a single connection keeps
    // BEGIN IMMEDIATE semantics simple and avoids SQLITE_BUSY between our own connections.
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
        try {
          connectionSettings(conn);
          // 64 MB of page cache instead of SQLite's 2 MB: writing and pruning a forecast of millions
          // of lines, and the console's reads at a million customers, revisit index pages that a
          // small cache has already dropped.
          conn.pragma(`cache_size = ${-CACHE_KIB}`);
          beginImmediate(conn);
          done(null, conn);
        } catch (err) {
          done(err instanceof Error ? err : new Error(String(err)), conn);
        }
      },
    },
  });
  return {
    knex: db,
    dialect: 'sqlite',
    describe: `sqlite:${filename}`,
    ...(filename === ':memory:' ? {} : { file: filename, url: `sqlite:${filename}` }),
    close: () => db.destroy(),
  };
}

interface SqliteConnection {
  pragma(sql: string): unknown;
  prepare(sql: string): unknown;
}

/** What the cache needs to know of a prepared statement: whether an iteration is still using it. */
interface SqliteStatement {
  busy: boolean;
}

/** Statements kept prepared per connection; the oldest goes first when more are in use. */
const STATEMENT_CACHE = 200;

/**
 * knex opens SQLite transactions with a plain (deferred) `BEGIN;`. A deferred transaction that
 * reads before it writes (an import's upsert) must upgrade to the write lock mid-way, and in
 * WAL mode that upgrade fails at once with "database is locked" when another process holds the
 * lock or committed since our read: the busy timeout does not apply. `BEGIN IMMEDIATE` takes the
 * write lock up front, where the busy timeout waits for it. Every transaction we run writes.
 */
function beginImmediate(conn: SqliteConnection): void {
  const prepare = cachedPrepare(conn);
  conn.prepare = (sql: string) => prepare(sql === 'BEGIN;' ? 'BEGIN IMMEDIATE;' : sql);
}

/**
 * knex prepares every statement again at each query, and SQLite compiling one can cost more
 * than running it: the delivery loop's group commit runs the same few statements hundreds of
 * times a second. Kept statements are reused (SQLite recompiles one itself after a schema
 * change); one still busy in an iteration is not shared, a fresh one is prepared instead.
 */
function cachedPrepare(conn: SqliteConnection): (sql: string) => unknown {
  const prepare = conn.prepare.bind(conn);
  const kept = new Map<string, SqliteStatement>();
  return (sql) => {
    const hit = kept.get(sql);
    if (hit && !hit.busy) {
      // Most recently used last, so the first key is the one to drop.
      kept.delete(sql);
      kept.set(sql, hit);
      return hit;
    }
    const statement = prepare(sql) as SqliteStatement;
    kept.set(sql, statement);
    if (kept.size > STATEMENT_CACHE) kept.delete(kept.keys().next().value as string);
    return statement;
  };
}

function openPostgres(url: string): Database {
  loadPg();
  const db = knex({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: 10 },
  });
  return {
    knex: db,
    dialect: 'postgres',
    describe: url.replace(/\/\/([^:/@]+)(:[^@]*)?@/, '//$1@'),
    url,
    close: () => db.destroy(),
  };
}
