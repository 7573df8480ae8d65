/**
 * A customer import written a batch at a time, on both databases: rows at a batch's edges,
 * duplicates within a batch and across batches, a bad row inside a batch, re-imports counted
 * unchanged (their updated_at, which planning follows, left alone), opt-outs kept, and
 * shared addresses named across batches in a real run and a dry run alike.
 */
import { describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { setConsent } from '../../src/db/consent.js';
import { getCustomer } from '../../src/db/customers.js';
import { migrate } from '../../src/db/migrations.js';
import { importStore } from '../../src/import/db-store.js';
import { runImport } from '../../src/import/run.js';
import { NOW, streamOf } from '../fixtures/import/fake-store.js';
import { databases } from '../support/databases.js';

const BATCH = 4;
const HEADER = 'id,email,first_name,tags,subscribed';

const rows = (n: number, name = (i: number) => `N${i}`) =>
  Array.from({ length: n }, (_, i) => `c${i},c${i}@example.com,${name(i)},a;b,true`);

async function importText(db: Database, lines: string[], now = NOW, dryRun = false) {
  return runImport({
    kind: 'customers',
    input: streamOf([HEADER, ...lines].join('\n')),
    format: 'csv',
    store: importStore(db),
    dryRun,
    now,
    batchSize: BATCH,
  });
}

async function count(db: Database): Promise<number> {
  const row = (await db.knex('customers').count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}

describe.each(databases())('customer import in batches on %s', (dbName) => {
  const url = dbName.fresh('test');
  const withDb = async (fn: (db: Database) => Promise<void>) => {
    const db = openDatabase(url());
    try {
      await migrate(db.knex);
      await fn(db);
    } finally {
      await db.close();
    }
  };

  it('stores every row of a file one short of, exactly, and one over a batch', () =>
    withDb(async (db) => {
      for (const n of [BATCH - 1, BATCH, BATCH + 1, 2 * BATCH + 1]) {
        await db.knex('customers').delete();
        const report = await importText(db, rows(n));
        expect(report).toMatchObject({ read: n, accepted: n, inserted: n, updated: 0, rejectedCount: 0 });
        expect(await count(db)).toBe(n);
      }
      expect(await getCustomer(db.knex, 'c8')).toMatchObject({ first_name: 'N8', tags: ['a', 'b'] });
    }));

  it('refuses a repeated id, in the same batch or a later one, naming the first line; the first row stands', () =>
    withDb(async (db) => {
      const lines = rows(7);
      lines.splice(2, 0, 'c0,other@example.com,Again,,true'); // line 4, same batch as line 2
      lines.push('c1,third@example.com,Later,,true'); // line 10, a later batch
      const report = await importText(db, lines);
      expect(report.rejected).toEqual([
        { line: 4, field: 'id', reason: 'duplicate of line 2' },
        { line: 10, field: 'id', reason: 'duplicate of line 3' },
      ]);
      expect(report).toMatchObject({ accepted: 7, inserted: 7 });
      expect(await getCustomer(db.knex, 'c0')).toMatchObject({ email: 'c0@example.com', first_name: 'N0' });
      expect(await getCustomer(db.knex, 'c1')).toMatchObject({ email: 'c1@example.com', first_name: 'N1' });
    }));

  it('refuses a bad row in the middle of a batch by its line and stores the rest of that batch', () =>
    withDb(async (db) => {
      const lines = rows(6);
      lines[2] = 'c2,not-an-address,N2,,true'; // line 4
      const report = await importText(db, lines);
      expect(report.rejected).toEqual([{ line: 4, field: 'email', reason: expect.any(String) }]);
      expect(report).toMatchObject({ read: 6, accepted: 5, inserted: 5, rejectedCount: 1 });
      expect(await getCustomer(db.knex, 'c2')).toBeUndefined();
      for (const id of ['c1', 'c3', 'c4']) expect(await getCustomer(db.knex, id)).toBeDefined();
    }));

  it('counts a re-import unchanged and touches only the rows that changed', () =>
    withDb(async (db) => {
      const n = 2 * BATCH + 1;
      await importText(db, rows(n));
      expect(await importText(db, rows(n), NOW + 1000)).toMatchObject({
        inserted: 0,
        updated: 0,
        unchanged: n,
      });
      const renamed = rows(n, (i) => (i % 3 === 0 ? `Renamed${i}` : `N${i}`));
      expect(await importText(db, renamed, NOW + 2000)).toMatchObject({
        inserted: 0,
        updated: 3,
        unchanged: n - 3,
      });
      // Planning picks up customers by updated_at: only the changed ones moved.
      const moved = (await db
        .knex('customers')
        .where('updated_at', NOW + 2000)
        .orderBy('id')
        .pluck('id')) as string[];
      expect(moved).toEqual(['c0', 'c3', 'c6']);
      expect(await getCustomer(db.knex, 'c3')).toMatchObject({ first_name: 'Renamed3', created_at: NOW });
    }));

  it('keeps an opted-out address unsubscribed, for the stored record and a new one in another letter case', () =>
    withDb(async (db) => {
      await importText(db, rows(2));
      await setConsent(db.knex, 'c1@example.com', [{ scope: '*', optedOut: true }], 'link', NOW);
      const report = await importText(db, [...rows(2), 'x9,C1@Example.com,New,,true'], NOW + 1000);
      expect(report).toMatchObject({ keptUnsubscribed: 2, inserted: 1, unchanged: 2 });
      expect(await getCustomer(db.knex, 'c1')).toMatchObject({ subscribed: false });
      expect(await getCustomer(db.knex, 'x9')).toMatchObject({ subscribed: false });
    }));

  it('names shared addresses across batches, in a dry run as in the real one', () =>
    withDb(async (db) => {
      await importText(db, ['s1,shared@example.com,Stored,,true']);
      const lines = [
        'a1,pat@example.com,A,,true', // line 2
        ...rows(5), // lines 3-7
        'a2,PAT@example.com,B,,true', // line 8: a later batch
        'a3,Shared@example.com,C,,true', // line 9: a stored record's address
      ];
      const expected = [
        {
          line: 8,
          field: 'email',
          reason: expect.stringContaining('same address as line 2 (customer "a1")'),
        },
        { line: 9, field: 'email', reason: expect.stringContaining('same address as stored customer "s1"') },
      ];
      expect((await importText(db, lines, NOW, true)).sharedAddresses).toEqual(expected);
      expect((await importText(db, lines)).sharedAddresses).toEqual(expected);
    }));
});
