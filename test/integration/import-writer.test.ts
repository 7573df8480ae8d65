/**
 * A long customer import on a SQLite file writes its batches from a thread of its own while the
 * next rows are read. What it stores and reports must be what the same import writing each batch
 * before reading on stores and reports: counts, refusals, warnings, shared addresses (across
 * batches, against stored records, and against a stored record whose id comes later in the
 * file), opt-outs that keep a record unsubscribed, the audience tables. A failing batch stops the
 * import with nothing after it stored; a file that breaks off keeps the batches handed over.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { ALL_MARKETING, setConsent } from '../../src/db/consent.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { migrate } from '../../src/db/migrations.js';
import { importStore } from '../../src/import/db-store.js';
import { runImport, type ImportReport } from '../../src/import/run.js';
import type { ImportStore } from '../../src/import/types.js';
import { NOW, streamOf } from '../fixtures/import/fake-store.js';
import { customer } from '../support/records.js';

const FILE = [
  'id,email,first_name,tags,subscribed,birthday',
  'n1,shared@example.com,Ann,"Regulars, news",yes,1990-04-01', // line 2: a stored record's address
  'n2,n2@example.com,Ben,news,yes,',
  's2,old@example.com,Renamed,vip,yes,', // line 4: updates a stored record
  'n3,not-an-address,Cy,,yes,', // refused
  'n4,later@example.com,Dee,,yes,', // line 6: stored s9's address; s9 comes later in the file
  's3,out@example.com,Eve,news,yes,', // opted out: stays unsubscribed
  'n5,N2@EXAMPLE.com,Fay,,no,', // line 8: the address of line 3, an earlier batch
  's9,later@example.com,Gus,news,yes,', // line 9: the address of line 6
  'n2,dup@example.com,Hal,,yes,', // duplicate of line 3
  'n6,n6@example.com,Ivy,news,yes,not-a-date', // a bad birthday: imported without it
  'n7,n7@example.com,Jo,,yes,',
  'n8,n8@example.com,Kim,Regulars,yes,',
].join('\n');

interface Opened {
  db: Database;
  dir: string;
}

const opened: Opened[] = [];

afterEach(async () => {
  for (const { db, dir } of opened.splice(0)) {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A migrated SQLite file holding the records the file meets. */
async function seeded(): Promise<Database> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-import-writer-'));
  const db = openDatabase(`sqlite:${join(dir, 'rapport.db')}`);
  opened.push({ db, dir });
  await migrate(db.knex);
  await upsertCustomers(
    db.knex,
    [
      customer('s1', { email: 'Shared@example.com' }),
      customer('s2', { email: 'old@example.com', tags: ['VIP'] }),
      customer('s3', { email: 'out@example.com' }),
      customer('s9', { email: 'later@example.com' }),
    ],
    NOW - 1000,
  );
  await setConsent(db.knex, 'out@example.com', [{ scope: ALL_MARKETING, optedOut: true }], 'test', NOW - 500);
  return db;
}

/** The store, counting the writer threads it starts. */
function counted(db: Database, started: { count: number }): ImportStore {
  const store = importStore(db);
  const writer = store.customerWriter;
  if (!writer) throw new Error('a SQLite file has a writer');
  return {
    ...store,
    customerWriter: () => {
      started.count++;
      return writer.call(store);
    },
  };
}

async function stored(db: Database) {
  return {
    customers: await db.knex('customers').orderBy('id'),
    tags: await db.knex('audience_tags').orderBy(['tag', 'customer_id']),
    subscribed: await db.knex('subscribed_counts'),
  };
}

function importFile(store: ImportStore, input: Readable, writerFromRows: number): Promise<ImportReport> {
  return runImport({
    kind: 'customers',
    input,
    format: 'csv',
    store,
    dryRun: false,
    now: NOW,
    batchSize: 2,
    writerFromRows,
  });
}

describe('customer batches written from a thread of their own', () => {
  it('store and report what writing each batch in turn stores and reports', async () => {
    const [inline, threaded] = [await seeded(), await seeded()];
    const starts = { inline: { count: 0 }, threaded: { count: 0 } };
    const expected = await importFile(counted(inline, starts.inline), streamOf(FILE), Infinity);
    const report = await importFile(counted(threaded, starts.threaded), streamOf(FILE, 40), 0);
    expect(starts).toEqual({ inline: { count: 0 }, threaded: { count: 1 } });
    expect(report).toEqual(expected);
    expect(await stored(threaded)).toEqual(await stored(inline));

    expect(report).toMatchObject({ read: 12, accepted: 10, inserted: 7, updated: 3, keptUnsubscribed: 1 });
    expect(report.rejected.map((r) => [r.line, r.field])).toEqual([
      [5, 'email'],
      [10, 'id'],
    ]);
    expect(report.warnings.map((w) => [w.line, w.field])).toEqual([[11, 'birthday']]);
    expect(report.sharedAddresses.map((n) => [n.line, n.reason.split(';')[0]])).toEqual([
      [2, 'same address as stored customer "s1"'],
      [6, 'same address as stored customer "s9"'],
      [8, 'same address as line 3 (customer "n2")'],
      [9, 'same address as line 6 (customer "n4")'],
    ]);
    const s3 = (await threaded.knex('customers').where('id', 's3').first()) as { subscribed: number };
    expect(s3.subscribed).toBe(0);
  });

  it('stop at a batch that fails, with nothing after it stored, and leave the database usable', async () => {
    const db = await seeded();
    await db.knex.raw(
      "CREATE TRIGGER refuse_c7 BEFORE INSERT ON customers WHEN NEW.id = 'c7' BEGIN SELECT RAISE(ABORT, 'c7 refused'); END",
    );
    const rows = Array.from({ length: 10 }, (_, i) => `c${i + 1},c${i + 1}@example.com`);
    const text = ['id,email', ...rows].join('\n');
    await expect(importFile(importStore(db), streamOf(text, 16), 0)).rejects.toThrow('c7 refused');
    const ids = (
      (await db.knex('customers').where('id', 'like', 'c%').orderBy('id')) as Array<{ id: string }>
    )
      .map((r) => r.id)
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    // Whole batches before c7's only: c1–c2, c1–c4 or none (waiting batches share a commit).
    expect([[], ['c1', 'c2'], ['c1', 'c2', 'c3', 'c4']]).toContainEqual(ids);

    const after = await importFile(
      importStore(db),
      streamOf('id,email\nd1,d1@example.com\nd2,d2@example.com'),
      0,
    );
    expect(after.inserted).toBe(2);
  });

  it('commit every batch handed over before a file that breaks off is reported, as writing in turn does', async () => {
    // More than the 64 KiB read to tell the delimiter, so rows are checked before the error.
    const rows = Array.from({ length: 4000 }, (_, i) => `c${i + 1},c${i + 1}@example.com`);
    for (const writerFromRows of [Infinity, 0]) {
      const db = await seeded();
      const store = importStore(db);
      const writer = store.customerWriter?.bind(store);
      let handed = 0;
      let enough = () => {};
      const handedEnough = new Promise<void>((resolve) => (enough = resolve));
      const hand = (count: number) => {
        handed += count;
        if (handed >= 2000) enough();
      };
      const watched: ImportStore = {
        ...store,
        upsertCustomers: (batch, now, dryRun) => {
          hand(batch.length);
          return store.upsertCustomers(batch, now, dryRun);
        },
        customerWriter: () => {
          if (!writer) throw new Error('a SQLite file has a writer');
          const w = writer();
          return {
            write: (batch, keys, now) => {
              hand(batch.length);
              return w.write(batch, keys, now);
            },
            close: () => w.close(),
          };
        },
      };
      const input = Readable.from(
        (async function* () {
          yield Buffer.from(['id,email', ...rows].join('\n'));
          await handedEnough;
          throw new Error('disk gone');
        })(),
      );
      await expect(importFile(watched, input, writerFromRows)).rejects.toThrow('disk gone');
      const stored = (await db.knex('customers').where('id', 'like', 'c%').select('id')) as unknown[];
      expect(handed).toBeGreaterThanOrEqual(2000);
      expect(stored.length).toBe(handed);
    }
  });
});
