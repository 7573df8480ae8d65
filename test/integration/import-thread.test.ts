/**
 * A file imported from a thread of its own (as `rapport import FILE` and the console's import
 * page run it) stores and reports what the same import on the calling thread does, hears of the
 * mapping and progress, and brings back errors as the kind they were.
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrations.js';
import { AppError } from '../../src/errors.js';
import { AmbiguousDates, parseDateFormat } from '../../src/import/date-input.js';
import { importStore } from '../../src/import/db-store.js';
import { runImport } from '../../src/import/run.js';
import { importInThread } from '../../src/import/thread.js';

const NOW = Date.UTC(2026, 5, 1);
let dir = '';

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

async function database(name: string): Promise<Database> {
  const db = openDatabase(`sqlite:${join(dir, name)}`);
  await migrate(db.knex);
  return db;
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A messy export: mapped headers, day-first dates, a refused row, a warning, a duplicate. */
function messy(rows: number): string {
  const lines = ['Customer ID;Email Address;First Name;Birthday;Tags;Accepts Email Marketing'];
  for (let i = 0; i < rows; i++)
    lines.push(`c${i};c${i}@example.com;Ann${i};27.02.19${50 + (i % 50)};Regulars, News;yes`);
  lines.push('x1;not-an-address;Bad;01.01.1990;;yes');
  lines.push('x2;x2@example.com;Odd;31.02.1990;;no');
  lines.push('c1;again@example.com;Dup;;;yes');
  return `${lines.join('\n')}\n`;
}

const options = {
  kind: 'customers',
  format: 'csv',
  dryRun: false,
  now: NOW,
  batchSize: 1000,
  zone: 'Europe/Paris',
  dateFormat: parseDateFormat('DD.MM.YYYY'),
} as const;

describe('an import from a thread of its own', () => {
  it('stores and reports what the same import on the calling thread does', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapport-import-thread-'));
    const path = write('export.csv', messy(2500));
    const here = await database('here.db');
    const there = await database('there.db');
    try {
      const heard: { mapping: string[]; progress: number[] } = { mapping: [], progress: [] };
      const inThread = await importInThread({ url: there.url ?? '', options }, path, {
        onMapping: (lines) => heard.mapping.push(...lines),
        onProgress: (read) => heard.progress.push(read),
      });
      let mapping: string[] = [];
      const inProcess = await runImport({
        ...options,
        input: createReadStream(path),
        store: importStore(here),
        onMapping: (lines) => (mapping = lines),
      });
      expect(inThread).toEqual(inProcess);
      expect(inThread.inserted).toBe(2501);
      expect(inThread.rejectedCount).toBe(2);
      expect(inThread.warnings.map((w) => `${w.line} ${w.field}`)).toEqual(['2503 birthday']);
      expect(heard.mapping).toEqual(mapping);
      expect(heard.mapping).toContain('  "Email Address" → email');
      expect(heard.progress).toEqual([1000, 2000]);
      const rows = (db: Database) =>
        db.knex('customers').orderBy('id').select('id', 'email', 'birthday', 'tags');
      expect(await rows(there)).toEqual(await rows(here));
    } finally {
      await here.close();
      await there.close();
    }
  });

  it('brings back an error as the kind it was', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapport-import-thread-'));
    const db = await database('rapport.db');
    try {
      const url = db.url ?? '';
      const ambiguous = write('dates.csv', 'id,email,birthday\na1,a1@example.com,03/04/1990\n');
      const { dateFormat: _, ...noFormat } = options;
      const dates = await importInThread({ url, options: noFormat }, ambiguous).catch((e: unknown) => e);
      expect(dates).toBeInstanceOf(AmbiguousDates);
      expect(dates).toMatchObject({ column: 'birthday', example: '03/04/1990' });

      const binary = write('binary.csv', '\u0000\u0001\u0002 not text');
      const unreadable = await importInThread({ url, options }, binary).catch((e: unknown) => e);
      expect(unreadable).toBeInstanceOf(AppError);
      expect(unreadable).toMatchObject({ code: 'E_IMPORT_UNREADABLE' });
    } finally {
      await db.close();
    }
  });
});
