/**
 * import: `rapport import customers` of a generated CSV (a realistic export: mapped headers,
 * day-first dates, `,`-separated tags, an attribute) into an empty database; then the same file
 * again (every row unchanged) and a copy with every tenth row changed (merges). Reports each
 * pass's wall time and CPU time (every thread's) and the peak RSS (the process's maxRSS, over all
 * three).
 *
 * `thread` runs each pass as `rapport import FILE` does by default: from the import's own thread
 * with its own connection (import/thread.ts), the writes past the first 20,000 rows from a
 * writer thread. `inline` runs it on this thread with each batch written in turn, as an import
 * from standard input does: the baseline of the same run.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { importStore } from '../../src/import/db-store.js';
import { FILE_BATCH } from '../../src/import/file.js';
import { runImport, WRITER_FROM_ROWS, type ImportReport } from '../../src/import/run.js';
import { importInThread } from '../../src/import/thread.js';
import type { ChildResult } from '../child.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** The file's lines, made as they are read: the CSV is never held whole. */
function* lines(customers: number, changeEvery: number): Generator<string> {
  yield 'Customer ID,Email Address,First Name,Last Name,Birthday,Time Zone,Tags,Accepts Email Marketing,Total Spent\n';
  for (let i = 0; i < customers; i++) {
    const birthday = `${pad((i % 28) + 1)}.${pad((i % 12) + 1)}.${1950 + (i % 50)}`;
    const zone = i % 3 === 0 ? 'Europe/Paris' : 'America/New_York';
    const first = changeEvery > 0 && i % changeEvery === 0 ? `Renamed${i}` : `Name${i}`;
    yield `c${i},user${i}@example.com,${first},Last${i},${birthday},${zone},"regulars, newsletter",${i % 5 === 0 ? 'no' : 'yes'},${i % 997}.50\n`;
  }
}

/** Joins lines into ~64 KiB chunks, as a file stream would deliver them. */
function* chunks(customers: number, changeEvery: number): Generator<Buffer> {
  let text = '';
  for (const line of lines(customers, changeEvery)) {
    text += line;
    if (text.length >= 65_536) {
      yield Buffer.from(text);
      text = '';
    }
  }
  if (text !== '') yield Buffer.from(text);
}

/** Writes the generated file to `path`. */
async function writeFile(path: string, customers: number, changeEvery: number): Promise<void> {
  const out = createWriteStream(path);
  for (const chunk of chunks(customers, changeEvery)) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

export type ImportHow = 'thread' | 'inline';

export interface ImportFiles {
  /** The export: `customers` new customers. */
  file: string;
  /** The same with every tenth row changed. */
  changed: string;
}

/**
 * Writes the two files into `dir`, in the bench's own process: making 113 MB of text per million
 * rows would otherwise count in the measured child's peak memory.
 */
export async function writeImportFiles(dir: string, customers: number): Promise<ImportFiles> {
  const files = { file: join(dir, 'customers.csv'), changed: join(dir, 'changed.csv') };
  await writeFile(files.file, customers, 0);
  await writeFile(files.changed, customers, 10);
  return files;
}

interface Expected {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** One pass's wall time and CPU time (user + system of this process), in seconds. */
interface Timing {
  seconds: number;
  cpu: number;
}

/** One pass over the generated file, checked against the counts it must report. */
async function pass(
  url: string,
  db: Database | undefined,
  file: string,
  customers: number,
  expected: Expected,
): Promise<Timing> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  // As `rapport import` imports a file (importInto, importPath).
  const options = {
    kind: 'customers',
    format: 'csv',
    batchSize: FILE_BATCH,
    dryRun: false,
    zone: 'UTC',
  } as const;
  const report: ImportReport = db
    ? await runImport({ ...options, input: createReadStream(file), store: importStore(db), now: Date.now() })
    : await importInThread(
        { url, options: { ...options, now: Date.now(), writerFromRows: WRITER_FROM_ROWS } },
        file,
      );
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpuStart);
  const cpu = (used.user + used.system) / 1e6;
  const got = { inserted: report.inserted, updated: report.updated, unchanged: report.unchanged };
  if (report.accepted !== customers || JSON.stringify(got) !== JSON.stringify(expected)) {
    throw new Error(
      `expected ${JSON.stringify(expected)} of ${customers}, got ${JSON.stringify(got)}, ` +
        `accepted ${report.accepted}: ${JSON.stringify(report.rejected.slice(0, 3))}`,
    );
  }
  return { seconds, cpu };
}

/**
 * Into the empty, migrated database at `url`, from the files given. `thread`: this process's own
 * thread holds what `rapport import`'s does (no database: the import's thread opens it);
 * `inline`: it opens the database and imports on this thread.
 */
export async function measureImport(
  customers: number,
  url: string,
  how: ImportHow,
  files: ImportFiles,
): Promise<ChildResult> {
  const db = how === 'inline' ? openDatabase(url) : undefined;
  try {
    // What this process holds before reading a row (the bench's modules, the database if open).
    const startRssMb = process.memoryUsage().rss / 1024 / 1024;
    const first = await pass(url, db, files.file, customers, {
      inserted: customers,
      updated: 0,
      unchanged: 0,
    });
    const firstRssMb = process.resourceUsage().maxRSS / 1024;
    const again = await pass(url, db, files.file, customers, {
      inserted: 0,
      updated: 0,
      unchanged: customers,
    });
    const changed = Math.ceil(customers / 10);
    const expected = { inserted: 0, updated: changed, unchanged: customers - changed };
    const modified = await pass(url, db, files.changed, customers, expected);
    return {
      seconds: first.seconds,
      perSec: customers / first.seconds,
      reimportSeconds: again.seconds,
      changedSeconds: modified.seconds,
      cpuSeconds: first.cpu,
      reimportCpuSeconds: again.cpu,
      changedCpuSeconds: modified.cpu,
      firstRssMb,
      startRssMb,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      customers,
    };
  } finally {
    await db?.close();
  }
}
