/**
 * A long customer import into a table it fills sets aside the indexes it does not read and
 * builds them once at the end, however it ends; reads that name an index answer the same
 * meanwhile; an import killed meanwhile leaves them to the next command that opens the database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { countAudienceRows } from '../../src/db/customers-audience.js';
import { customersByPrefix } from '../../src/db/customers-console.js';
import { customerPage, upsertCustomers } from '../../src/db/customers.js';
import { migrate } from '../../src/db/migrations.js';
import { restoreSetAsideIndexes, setAsideCustomerIndexes } from '../../src/db/set-aside-indexes.js';
import { importStore } from '../../src/import/db-store.js';
import { runImport, SET_ASIDE_FROM_ROWS } from '../../src/import/run.js';
import { writeTestConfig } from '../support/runtime.js';
import { cli } from '../support/cli.js';
import { customer } from '../support/records.js';

const NOW = Date.UTC(2026, 5, 1);
const opened: Array<{ db: Database; dir: string }> = [];

afterEach(async () => {
  for (const { db, dir } of opened.splice(0)) {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function database(): Promise<{ db: Database; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-set-aside-'));
  const db = openDatabase(`sqlite:${join(dir, 'rapport.db')}`);
  opened.push({ db, dir });
  await migrate(db.knex);
  return { db, dir };
}

/** `count` customers from id `c{from}` on, subscribed and tagged, with birthdays and zones. */
function file(count: number, from = 0): string {
  const lines = ['id,email,first_name,last_name,birthday,timezone,tags,subscribed'];
  for (let i = from; i < from + count; i++) {
    const zone = i % 2 === 0 ? 'Europe/Paris' : 'America/New_York';
    lines.push(
      `c${i},c${i}@example.com,Ann${i},Lee${i},1990-04-${String((i % 28) + 1).padStart(2, '0')},${zone},News,yes`,
    );
  }
  return `${lines.join('\n')}\n`;
}

type Indexes = Array<{ name: string; sql: string }>;

async function customerIndexes(db: Database): Promise<Indexes> {
  return db
    .knex('sqlite_master')
    .where({ type: 'index', tbl_name: 'customers' })
    .whereNotNull('sql')
    .orderBy('name')
    .select('name', 'sql');
}

async function setAsideRows(db: Database): Promise<number> {
  const row = await db.knex('set_aside_indexes').count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/** Imports `text`, calling `during` (awaited before the import ends) once `at` rows were read. */
async function importWatched(db: Database, text: string, at: number, during: () => Promise<void>) {
  let watched: Promise<void> | undefined;
  const report = await runImport({
    kind: 'customers',
    input: Readable.from([text]),
    format: 'csv',
    store: importStore(db),
    dryRun: false,
    now: NOW,
    batchSize: 1000,
    onProgress: (read) => {
      // Queued on the one connection: it runs between two of the import's batches.
      if (read === at) watched = during();
    },
  });
  await watched;
  return report;
}

describe('indexes set aside by a long customer import', () => {
  it('are built again, as they were, once an import into an empty table ends', async () => {
    const { db } = await database();
    const before = await customerIndexes(db);
    let during: Indexes = [];
    let recorded = 0;
    const rows = SET_ASIDE_FROM_ROWS + 5000;
    const report = await importWatched(db, file(rows), SET_ASIDE_FROM_ROWS + 3000, async () => {
      during = await customerIndexes(db);
      recorded = await setAsideRows(db);
    });
    expect(report.inserted).toBe(rows);
    // Meanwhile only the address index stays (the import reads it).
    expect(during.map((i) => i.name)).toEqual(['customers_email_key_id_index']);
    expect(recorded).toBe(before.length - 1);
    expect(await customerIndexes(db)).toEqual(before);
    expect(await setAsideRows(db)).toBe(0);
    const [check] = await db.knex.raw('PRAGMA integrity_check');
    expect(check).toEqual({ integrity_check: 'ok' });
    expect(await countAudienceRows(db.knex, { tags: ['news'] }, NOW)).toBe(rows);
  });

  it('stay in place when the table already held more customers than the import wrote by then', async () => {
    const { db } = await database();
    await importWatched(db, file(SET_ASIDE_FROM_ROWS + 1000), -1, async () => undefined);
    const before = await customerIndexes(db);
    let during: Indexes = [];
    await importWatched(
      db,
      file(SET_ASIDE_FROM_ROWS + 3000, 100_000),
      SET_ASIDE_FROM_ROWS + 2000,
      async () => {
        during = await customerIndexes(db);
      },
    );
    expect(during).toEqual(before);
  });

  it('are built again when the import stops at a failing batch', async () => {
    const { db } = await database();
    const before = await customerIndexes(db);
    const failAt = `c${SET_ASIDE_FROM_ROWS + 1500}`;
    await db.knex.raw(
      `CREATE TRIGGER refuse_one BEFORE INSERT ON customers WHEN NEW.id = '${failAt}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
    );
    await expect(
      importWatched(db, file(SET_ASIDE_FROM_ROWS + 3000), -1, async () => undefined),
    ).rejects.toThrow('refused by the test');
    expect(await customerIndexes(db)).toEqual(before);
    expect(await setAsideRows(db)).toBe(0);
    // Every batch before the failing one is stored.
    const stored = await db.knex('customers').count({ n: '*' }).first();
    expect(Number(stored?.n)).toBe(SET_ASIDE_FROM_ROWS + 1000);
  });

  it('leave the reads that name them answering the same, only slower', async () => {
    const { db } = await database();
    await upsertCustomers(
      db.knex,
      [
        customer('a1', {
          first_name: 'Ann',
          birthday: '1990-04-01',
          timezone: 'Europe/Paris',
          tags: ['News'],
        }),
        customer('a2', { first_name: 'Anna', birthday: '1991-04-01', timezone: 'Europe/Paris' }),
        customer('b1', { first_name: 'Bob', birthday: '1990-04-01', timezone: 'America/New_York' }),
      ],
      NOW - 1000,
    );
    const reads = async () => ({
      birthdays: (
        await customerPage(
          db.knex,
          { kind: 'zoned', column: 'birth_md', entries: [{ zone: 'Europe/Paris', monthDays: [401] }] },
          null,
          10,
        )
      ).map((c) => c.id),
      zone: (
        await customerPage(
          db.knex,
          { kind: 'zoned', entries: [{ zone: 'Europe/Paris', monthDays: null }] },
          null,
          10,
        )
      ).map((c) => c.id),
      audience: await countAudienceRows(db.knex, {}, NOW),
      names: (await customersByPrefix(db.knex, 'name_key', 'ann', 10)).map((c) => c.id),
    });
    const withIndexes = await reads();
    expect(withIndexes).toEqual({
      birthdays: ['a1', 'a2'],
      zone: ['a1', 'a2'],
      audience: 3,
      names: ['a1', 'a2'],
    });
    expect((await setAsideCustomerIndexes(db.knex, 10, NOW)).length).toBeGreaterThan(0);
    expect(await reads()).toEqual(withIndexes);
    expect((await restoreSetAsideIndexes(db.knex)).length).toBeGreaterThan(0);
  });

  it('are built by the next command that opens the database after an import was killed', async () => {
    const { db, dir } = await database();
    const before = await customerIndexes(db);
    // What a killed import leaves: the indexes dropped and recorded, never built again.
    const names = await setAsideCustomerIndexes(db.knex, 0, NOW);
    expect(names.length).toBe(before.length - 1);
    const env = {
      RAPPORT_CONFIG: writeTestConfig({}),
      DATABASE_URL: `sqlite:${join(dir, 'rapport.db')}`,
      SMTP_URL: `file:${join(dir, 'outbox')}`,
      RAPPORT_SECRET: 'cli-test-secret-0123456789abcdef0123',
      RAPPORT_LOG_LEVEL: 'silent',
    };
    const run = await cli(env, 'migrate');
    expect(run.code).toBe(0);
    expect(await customerIndexes(db)).toEqual(before);
    expect(await setAsideRows(db)).toBe(0);
  });
});
