/**
 * Customer indexes set aside while a long import fills a (nearly) empty table, and built again
 * once it ends. SQLite keeps each index up to date row by row: on a million new customers the
 * table's eight secondary indexes took more than half of SQLite's time, while building them
 * from the finished table (a sort each) takes a fraction of it.
 *
 * The import keeps what it reads itself: the key and the address index (the shared-address
 * check and the opt-outs look customers up by address). Unique indexes are never set aside.
 * What is set aside is recorded, in the same transaction that drops it, in SET_ASIDE; building
 * an index again and removing its record are one transaction too. So an import that is
 * killed leaves a record, and the next command that opens the database (the daemon's start,
 * `rapport migrate`, any writing command) builds what is missing (restoreSetAsideIndexes).
 *
 * Meanwhile the reads that name an index (SQLite plans without statistics) run without the
 * hint when it is not there (withIndexHint in dialect.ts): slower, never wrong.
 */
import type { Knex } from 'knex';
import { dialectOf } from './dialect.js';
import { withConnection } from './import-session.js';
import { ADDRESS_INDEX } from './migrations.js';
import { rowsOf, str } from './read.js';

const SET_ASIDE = 'set_aside_indexes';

/** The customer indexes an import itself reads. */
const KEPT: ReadonlySet<string> = new Set([ADDRESS_INDEX]);

/**
 * Sets aside the customer indexes an import does not read (SQLite only), in one transaction,
 * when the table holds at most `atMost` customers; returns their names. Ones already set aside
 * stay recorded.
 */
export async function setAsideCustomerIndexes(knex: Knex, atMost: number, now: number): Promise<string[]> {
  if (dialectOf(knex).name !== 'sqlite') return [];
  return knex.transaction(async (trx) => {
    const held = await trx('customers').count({ n: '*' }).first();
    if (Number(held?.n ?? 0) > atMost) return [];
    const rows = rowsOf(
      await trx('sqlite_master')
        .where({ type: 'index', tbl_name: 'customers' })
        .whereNotNull('sql')
        .select('name', 'sql'),
    );
    const names: string[] = [];
    for (const row of rows) {
      const name = str(row, 'name');
      const sql = str(row, 'sql');
      if (KEPT.has(name) || /^\s*CREATE\s+UNIQUE\b/i.test(sql)) continue;
      await trx(SET_ASIDE).insert({ name, sql, set_at: now }).onConflict('name').ignore();
      await trx.raw('DROP INDEX ??', [name]);
      names.push(name);
    }
    return names;
  });
}

/**
 * Builds every index recorded as set aside that is not there, each in a transaction of its own
 * (another connection writes between two); returns the names built. The sort each build needs
 * goes to a temporary file, not memory, whatever the connection's temp_store (in memory, the
 * eight sorts of 1M customers took the process 65 MB higher). SQLite's sorting threads were left
 * off: a second one saved a second on 1M customers for 16 MB more.
 */
export async function restoreSetAsideIndexes(knex: Knex): Promise<string[]> {
  if (dialectOf(knex).name !== 'sqlite' || !(await knex.schema.hasTable(SET_ASIDE))) return [];
  const waiting = rowsOf(await knex(SET_ASIDE).select('name').orderBy('name')).map((r) => str(r, 'name'));
  if (waiting.length === 0) return [];
  const built: string[] = [];
  await withTempFiles(knex, async () => {
    for (const name of waiting) {
      const made = await knex.transaction(async (trx) => {
        const row = rowsOf(await trx(SET_ASIDE).where({ name }).select('sql'))[0];
        if (row === undefined) return false;
        const present = rowsOf(await trx('sqlite_master').where({ type: 'index', name }).select('name'));
        if (present.length === 0) await trx.raw(str(row, 'sql'));
        await trx(SET_ASIDE).where({ name }).delete();
        return present.length === 0;
      });
      if (made) built.push(name);
    }
  });
  return built;
}

/** Runs `work` with temporary data (a sort's) in files, restoring the connection's setting after. */
async function withTempFiles<T>(knex: Knex, work: () => Promise<T>): Promise<T> {
  const set = (temp: number | 'FILE') =>
    withConnection(knex, (conn) => {
      const before = Number(conn.pragma('temp_store', { simple: true }));
      conn.pragma(`temp_store = ${temp}`);
      return before;
    });
  const before = await set('FILE');
  try {
    return await work();
  } finally {
    await set(before);
  }
}
