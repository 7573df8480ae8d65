/**
 * A file import commits every FILE_BATCH rows. An import on SQLite lets the write-ahead log grow
 * longer between checkpoints, keeps a small page cache (it writes each page to the log at its
 * commit and seldom reads one twice) and statement journals in memory while it runs, and gives
 * the connection back its own settings afterwards, even when the import fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrations.js';
import { importStore } from '../../src/import/db-store.js';
import { FILE_BATCH, importInto } from '../../src/import/file.js';
import { runImport } from '../../src/import/run.js';
import type { ImportStore } from '../../src/import/types.js';
import { NOW, streamOf } from '../fixtures/import/fake-store.js';
import { openTestRuntime } from '../support/runtime.js';

/** The connection's settings an import changes while it runs. */
async function settings(db: Database): Promise<{ checkpoint: number; cache: number; temp: number }> {
  const read = async (name: string) => {
    const rows = (await db.knex.raw(`PRAGMA ${name}`)) as Array<Record<string, number>>;
    return Number(rows[0]?.[name]);
  };
  return {
    checkpoint: await read('wal_autocheckpoint'),
    cache: await read('cache_size'),
    temp: await read('temp_store'),
  };
}

describe('the import session on SQLite', () => {
  let dir: string;
  let db: Database;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapport-import-session-'));
    db = openDatabase(`sqlite:${join(dir, 'rapport.db')}`);
    await migrate(db.knex);
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The store, noting the settings each time a batch is written. */
  function watched(seen: unknown[]): ImportStore {
    const store = importStore(db);
    return {
      ...store,
      upsertCustomers: async (rows, now, dryRun) => {
        seen.push(await settings(db));
        return store.upsertCustomers(rows, now, dryRun);
      },
    };
  }

  it('checkpoints less often, caches less and journals statements in memory during the import, as before once it is over', async () => {
    const before = await settings(db);
    expect(before.checkpoint).not.toBe(20_000);
    expect(before.cache).toBe(-65_536);
    expect(before.temp).not.toBe(2);
    const seen: unknown[] = [];
    const text = ['id,email,tags', 'c1,c1@example.com,vip', 'c2,c2@example.com,', 'c3,c3@example.com,'].join(
      '\n',
    );
    const report = await runImport({
      kind: 'customers',
      input: streamOf(text),
      format: 'csv',
      store: watched(seen),
      dryRun: false,
      now: NOW,
      batchSize: 2,
    });
    expect(report.inserted).toBe(3);
    const during = { checkpoint: 20_000, cache: -8192, temp: 2 }; // temp_store 2: MEMORY
    expect(seen).toEqual([during, during]);
    expect(await settings(db)).toEqual(before);
    expect(await db.knex('customers').count({ n: '*' })).toEqual([{ n: 3 }]);
  });

  it('restores the settings when the file cannot be read', async () => {
    const before = await settings(db);
    const failing = runImport({
      kind: 'customers',
      input: streamOf(''),
      format: 'csv',
      store: importStore(db),
      dryRun: false,
      now: NOW,
    });
    await expect(failing).rejects.toThrow(/empty/);
    expect(await settings(db)).toEqual(before);
  });
});

describe('a file import', () => {
  it('commits every FILE_BATCH rows: a read that fails keeps the batches before it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-file-batch-'));
    const rt = await openTestRuntime({
      databaseUrl: `sqlite:${join(dir, 'rapport.db')}`,
      smtpUrl: `file:${join(dir, 'outbox')}`,
      now: () => NOW,
    });
    try {
      const rows = FILE_BATCH * 3 + FILE_BATCH / 2;
      async function* failing() {
        yield 'id,email\n';
        for (let i = 0; i < rows; i++) yield `c${i},c${i}@example.com\n`;
        throw new Error('disk went away');
      }
      const run = importInto(rt.db, rt.config, {
        kind: 'customers',
        input: Readable.from(failing()),
        format: 'csv',
        dryRun: false,
        now: NOW,
      });
      await expect(run).rejects.toThrow(/disk went away/);
      expect(await rt.db.knex('customers').count({ n: '*' })).toEqual([{ n: FILE_BATCH * 3 }]);
    } finally {
      await rt.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
