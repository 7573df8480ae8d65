/**
 * The customers table keeps only indexes that some query reads: every imported or changed
 * customer updates each one. (email) and (timezone) are gone; the queries that used (timezone)
 * read (timezone, id) the same way.
 */
import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrations.js';
import { customerPage, customerZones, iterateCustomers } from '../../src/db/customers.js';
import { databases } from '../support/databases.js';

async function customerIndexes(db: Database): Promise<string[]> {
  if (db.dialect === 'postgres') {
    const r = (await db.knex.raw(
      "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'customers'",
    )) as {
      rows: Array<{ name: string }>;
    };
    return r.rows.map((row) => row.name).sort();
  }
  const rows = (await db.knex.raw(
    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers'",
  )) as Array<{
    name: string;
  }>;
  return rows.map((row) => row.name).sort();
}

async function seed(db: Database): Promise<void> {
  const zones = ['Europe/Paris', 'Asia/Tokyo', null];
  await db.knex('customers').insert(
    Array.from({ length: 30 }, (_, i) => ({
      id: `c${String(i).padStart(2, '0')}`,
      email: `c${i}@shop.test`,
      email_key: `c${i}@shop.test`,
      timezone: zones[i % 3],
      created_at: 0,
      updated_at: 0,
    })),
  );
}

describe.each(databases())('customer indexes on %s', (tdb) => {
  const url = tdb.fresh('test');
  let db: Database;
  beforeEach(async () => {
    db = openDatabase(url());
    await migrate(db.knex);
  });
  afterEach(async () => {
    await db?.close();
  });

  it('has no index on the address as written nor on the zone alone', async () => {
    const names = await customerIndexes(db);
    expect(names).not.toContain('customers_email_index');
    expect(names).not.toContain('customers_timezone_index');
    expect(names).toContain('customers_timezone_id_index');
    expect(names).toContain('customers_email_key_id_index');
  });

  it('still finds the zones and a zone in id order', async () => {
    await seed(db);
    expect(await customerZones(db.knex)).toEqual(
      expect.arrayContaining(['Europe/Paris', 'Asia/Tokyo', null]),
    );
    const zone = { kind: 'zoned', entries: [{ zone: 'Asia/Tokyo', monthDays: null }] } as const;
    const page = await customerPage(db.knex, zone, 'c05', 3);
    expect(page.map((c) => c.id)).toEqual(['c07', 'c10', 'c13']);
    const pages: string[][] = [];
    const both = { kind: 'zoned', entries: [{ zone: null, monthDays: null }, zone.entries[0]] } as const;
    for await (const p of iterateCustomers(db.knex, both, 4)) pages.push(p.map((c) => c.id));
    expect(pages.flat()).toHaveLength(20);
  });
});

describe('customer reads on SQLite without the dropped indexes', () => {
  const url = databases()[0]!.fresh('test');
  let db: Database;
  beforeEach(async () => {
    db = openDatabase(url());
    await migrate(db.knex);
  });
  afterEach(async () => {
    await db?.close();
  });

  /** SQLite's plan for a query built by knex (it plans without statistics: the same at any size). */
  async function plan(query: Knex.QueryBuilder): Promise<string> {
    const { sql, bindings } = query.toSQL();
    const rows = (await db.knex.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings)) as Array<{
      detail: string;
    }>;
    return rows.map((r) => r.detail).join('; ');
  }

  it('reads the zones from the (timezone, id) index alone', async () => {
    expect(await plan(db.knex('customers').distinct('timezone'))).toBe(
      'SCAN customers USING COVERING INDEX customers_timezone_id_index',
    );
  });
});
