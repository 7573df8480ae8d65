/**
 * import: `rapport import customers` of a generated CSV (a realistic export: mapped headers,
 * day-first dates, ; tags, an attribute) into an empty SQLite database, through the same
 * runImport and store as the CLI. Reports wall time and peak RSS (the process's maxRSS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { openDatabase } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrations.js';
import { importStore } from '../../src/import/db-store.js';
import { runImport } from '../../src/import/run.js';
import type { ChildResult } from '../child.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** The file's lines, made as they are read: the CSV is never held whole. */
function* lines(customers: number): Generator<string> {
  yield 'Customer ID,Email Address,First Name,Last Name,Birthday,Time Zone,Tags,Accepts Email Marketing,Total Spent\n';
  for (let i = 0; i < customers; i++) {
    const birthday = `${pad((i % 28) + 1)}.${pad((i % 12) + 1)}.${1950 + (i % 50)}`;
    const zone = i % 3 === 0 ? 'Europe/Paris' : 'America/New_York';
    yield `c${i},user${i}@example.com,Name${i},Last${i},${birthday},${zone},"regulars, newsletter",${i % 5 === 0 ? 'no' : 'yes'},${i % 997}.50\n`;
  }
}

/** Joins lines into ~64 KiB chunks, as a file stream would deliver them. */
function* chunks(customers: number): Generator<Buffer> {
  let text = '';
  for (const line of lines(customers)) {
    text += line;
    if (text.length >= 65_536) {
      yield Buffer.from(text);
      text = '';
    }
  }
  if (text !== '') yield Buffer.from(text);
}

export async function measureImport(customers: number): Promise<ChildResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-import-'));
  const db = openDatabase(`sqlite:${join(dir, 'import.db')}`);
  try {
    await migrate(db.knex);
    const start = performance.now();
    const report = await runImport({
      kind: 'customers',
      input: Readable.from(chunks(customers)),
      format: 'csv',
      store: importStore(db),
      dryRun: false,
      now: Date.now(),
      zone: 'UTC',
    });
    const seconds = (performance.now() - start) / 1000;
    if (report.accepted !== customers) {
      throw new Error(
        `imported ${report.accepted} of ${customers}: ${JSON.stringify(report.rejected.slice(0, 3))}`,
      );
    }
    return {
      seconds,
      perSec: customers / seconds,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      customers,
    };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
