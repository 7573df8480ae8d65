/**
 * A short SQLite transaction run on the connection itself, for the delivery loop's group
 * commit: a few statements, hundreds of times a second. Through knex each such transaction cost
 * about a millisecond of this process's one thread (a knex instance per transaction, a runner
 * per query) — more than SQLite took to run it. Here the connection is taken from knex's pool,
 * so nothing else runs on it meanwhile (an open knex transaction keeps it until it ends), and
 * the statements run synchronously between BEGIN IMMEDIATE and COMMIT, prepared once
 * (connect.ts keeps them).
 */
import type { Knex } from 'knex';

/** Runs one statement; returns the rows it changed. */
export type RunStatement = (sql: string, bindings: readonly unknown[]) => number;

interface RawConnection {
  prepare(sql: string): { run(...bindings: unknown[]): { changes: number } };
  inTransaction: boolean;
}

/** Calls a method of knex's client (pool access, which knex types as `any`). */
function clientCall(knex: Knex, method: string, args: unknown[]): unknown {
  const client: unknown = knex.client;
  const fn: unknown = typeof client === 'object' && client !== null ? Reflect.get(client, method) : undefined;
  if (typeof fn !== 'function') throw new Error(`knex client has no ${method}`);
  return Reflect.apply(fn, client, args);
}

/** `work` inside BEGIN IMMEDIATE … COMMIT on SQLite; rolled back (and thrown) when it fails. */
export async function inSqliteTransaction<T>(knex: Knex, work: (run: RunStatement) => T): Promise<T> {
  const conn = (await clientCall(knex, 'acquireConnection', [])) as RawConnection;
  try {
    const run: RunStatement = (sql, bindings) => conn.prepare(sql).run(...bindings).changes;
    run('BEGIN IMMEDIATE', []);
    try {
      const result = work(run);
      run('COMMIT', []);
      return result;
    } catch (error) {
      // A failed COMMIT or statement may already have ended the transaction (SQLite rolls back
      // on some errors by itself).
      if (conn.inTransaction) run('ROLLBACK', []);
      throw error;
    }
  } finally {
    await clientCall(knex, 'releaseConnection', [conn]);
  }
}
