/**
 * Substring searches read a bounded number of customers and say so, on both databases: beyond
 * the row budget a search that matched nothing reports that it did not look at everyone (unless
 * Postgres trigram indexes serve the search, which reads everything by index).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrations.js';
import { ADDRESS_SCAN_BUDGET, findCustomers, TAG_SCAN_BUDGET } from '../../src/console/data/search.js';
import { databases } from '../support/databases.js';

const COUNT = Math.max(ADDRESS_SCAN_BUDGET, TAG_SCAN_BUDGET) + 10;

/** COUNT customers c00000000… in one statement; the last one carries a rare tag. */
async function seed(db: Database): Promise<void> {
  const series =
    db.dialect === 'postgres'
      ? `SELECT generate_series(0, ${COUNT - 1}) AS i`
      : `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${COUNT - 1}) SELECT i FROM s`;
  const id = db.dialect === 'postgres' ? `'c' || lpad(i::text, 8, '0')` : `'c' || printf('%08d', i)`;
  const tags = `CASE WHEN i = ${COUNT - 1} THEN '["rare"]' ELSE '[]' END`;
  await db.knex.raw(
    `INSERT INTO customers (id, email, email_key, tags, created_at, updated_at)
     SELECT ${id}, ${id} || '@shop.test', ${id} || '@shop.test', ${tags}, 0, 0 FROM (${series}) g`,
  );
}

async function trigramIndexed(db: Database): Promise<boolean> {
  if (db.dialect !== 'postgres') return false;
  const r = (await db.knex.raw(
    "SELECT count(*) AS n FROM pg_indexes WHERE indexname = 'customers_email_key_trgm_index'",
  )) as { rows: Array<{ n: string }> };
  return Number(r.rows[0]?.n) > 0;
}

describe.each(databases())('bounded customer search on %s', (tdb) => {
  const url = tdb.fresh('file');
  let db: Database;
  let indexed: boolean;
  beforeAll(async () => {
    db = openDatabase(url());
    await migrate(db.knex);
    await seed(db);
    indexed = await trigramIndexed(db);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  it('says a search that matched nothing did not read every customer', async () => {
    const page = await findCustomers(db, 'zqx');
    expect(page.results).toEqual([]);
    expect(page.complete).toBe(indexed);
  });

  it('finds what lies within the budget, and a full page is complete', async () => {
    const page = await findCustomers(db, '0001@shop', { limit: 5 });
    expect(page.results.map((r) => r.id)).toEqual([
      'c00000001',
      'c00010001',
      'c00020001',
      'c00030001',
      'c00040001',
    ]);
    expect(page.complete).toBe(true);
  });

  it('says a tag search past the budget may have missed customers', async () => {
    const page = await findCustomers(db, 'tag:rare');
    expect(page.results.map((r) => r.id)).toEqual(indexed ? [`c${String(COUNT - 1).padStart(8, '0')}`] : []);
    expect(page.complete).toBe(indexed);
  });

  it('is complete when the prefix lookups fill the page', async () => {
    const page = await findCustomers(db, 'c0000', { limit: 3 });
    expect(page.results.map((r) => r.matched)).toEqual(['id', 'id', 'id']);
    expect(page.complete).toBe(true);
  });
});

describe.each(databases())('unbounded customer search on %s', (tdb) => {
  const url = tdb.fresh('test');

  it('is complete when every customer fits in the budget', async () => {
    const db = openDatabase(url());
    try {
      await migrate(db.knex);
      await db.knex('customers').insert({
        id: 'c-1',
        email: 'ann@shop.test',
        email_key: 'ann@shop.test',
        tags: '["rare"]',
        created_at: 0,
        updated_at: 0,
      });
      expect(await findCustomers(db, 'zqx')).toEqual({ results: [], complete: true });
      expect(await findCustomers(db, 'tag:rare')).toMatchObject({ results: [{ id: 'c-1' }], complete: true });
    } finally {
      await db.close();
    }
  });
});
