/**
 * An import on SQLite runs with a small page cache (it writes each page to the log at its commit
 * and seldom reads one twice) and gives the connection its own cache back afterwards, even when
 * the import fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrations.js';
import { importStore } from '../../src/import/db-store.js';
import { runImport } from '../../src/import/run.js';
import type { ImportStore } from '../../src/import/types.js';
import { NOW, streamOf } from '../fixtures/import/fake-store.js';

async function cacheSize(db: Database): Promise<number> {
  const rows = (await db.knex.raw('PRAGMA cache_size')) as Array<{ cache_size: number }>;
  return Number(rows[0]?.cache_size);
}

describe('the page cache of an import on SQLite', () => {
  let dir: string;
  let db: Database;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapport-import-cache-'));
    db = openDatabase(`sqlite:${join(dir, 'rapport.db')}`);
    await migrate(db.knex);
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function watched(seen: number[]): ImportStore {
    const store = importStore(db);
    return {
      ...store,
      upsertCustomers: async (rows, now, dryRun) => {
        seen.push(await cacheSize(db));
        return store.upsertCustomers(rows, now, dryRun);
      },
    };
  }

  it('is 8 MB while the import runs and the connection’s own after', async () => {
    const before = await cacheSize(db);
    expect(before).toBe(-65_536);
    const seen: number[] = [];
    const text = ['id,email', 'c1,c1@example.com', 'c2,c2@example.com', 'c3,c3@example.com'].join('\n');
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
    expect(seen).toEqual([-8192, -8192]);
    expect(await cacheSize(db)).toBe(before);
  });

  it('is given back when the file cannot be read', async () => {
    const before = await cacheSize(db);
    const failing = runImport({
      kind: 'customers',
      input: streamOf(''),
      format: 'csv',
      store: importStore(db),
      dryRun: false,
      now: NOW,
    });
    await expect(failing).rejects.toThrow(/empty/);
    expect(await cacheSize(db)).toBe(before);
  });
});
