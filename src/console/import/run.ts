/**
 * What the import page does with an upload: check it (the import's own dry run, with the
 * mapping it used, the file's separator and its first row to show beside the mapping), and
 * import it for real. Both go through `importPath`, as `rapport import FILE` does: from a thread
 * of its own, so the daemon's own thread and heap stay the daemon's.
 */
import { createReadStream } from 'node:fs';
import type { Config } from '../../config/schema.js';
import type { Database } from '../../db/connect.js';
import { AppError } from '../../errors.js';
import { AmbiguousDates, formatChoices, parseDateFormat } from '../../import/date-input.js';
import { sniffDelimiter } from '../../import/delimiter.js';
import { importPath } from '../../import/file.js';
import { textBytes } from '../../import/input.js';
import { type ColumnMapping, mapFromPairs } from '../../import/mapping.js';
import { readRecords } from '../../import/parse.js';
import type { ImportReport } from '../../import/run.js';
import type { Upload } from './uploads.js';

/** Why a check or an import stopped before reading every row. */
export interface Stopped {
  message: string;
  /** Set when a date column reads both ways: the page asks which order the file uses. */
  dates?: { column: string; example: string; choices: [string, string] };
}

export interface Checked {
  /** The separator of a CSV file. */
  delimiter?: string;
  /** How each column is read (CSV and Excel), when the file's header could be read. */
  mapping?: ColumnMapping[];
  /** The first row's values by column, shown beside the mapping. */
  sample?: Record<string, unknown>;
  /** The dry run's counts and problems, when every row could be read. */
  report?: ImportReport;
  stopped?: Stopped;
}

export interface RunContext {
  db: Database;
  config: Config;
  now: number;
  path: string;
  onProgress: (read: number) => void;
}

function stoppedBy(error: unknown): Stopped {
  if (error instanceof AmbiguousDates) {
    const { column, example } = error;
    return { message: error.message, dates: { column, example, choices: formatChoices(example) } };
  }
  if (error instanceof AppError) return { message: error.message };
  throw error;
}

async function delimiterOf(path: string): Promise<string | undefined> {
  const stream = createReadStream(path, { end: 64 * 1024 - 1 });
  try {
    return (await sniffDelimiter(textBytes(stream))).delimiter;
  } catch {
    return undefined;
  } finally {
    // Only the first line was read: let go of the file now rather than when collected.
    stream.destroy();
  }
}

async function firstRow(upload: Upload, path: string): Promise<Record<string, unknown> | undefined> {
  const stream = createReadStream(path);
  try {
    for await (const item of readRecords(stream, upload.format)) {
      if ('record' in item) return item.record;
    }
  } catch {
    // The dry run reports the same problem in its own words.
  } finally {
    stream.destroy();
  }
  return undefined;
}

function settings(upload: Upload) {
  return {
    kind: upload.kind,
    format: upload.format,
    strict: upload.strict,
    map: upload.map ? mapFromPairs(upload.map, 'mapping') : undefined,
    dateFormat: upload.dateFormat === undefined ? undefined : parseDateFormat(upload.dateFormat),
  };
}

/** The dry run of an upload with its current settings: writes nothing. */
export async function checkUpload(ctx: RunContext, upload: Upload): Promise<Checked> {
  const checked: Checked = {};
  if (upload.format === 'csv') checked.delimiter = await delimiterOf(ctx.path);
  if (upload.format !== 'jsonl') checked.sample = await firstRow(upload, ctx.path);
  try {
    checked.report = await importPath(ctx.db, ctx.config, ctx.path, {
      ...settings(upload),
      dryRun: true,
      now: ctx.now,
      onMapping: (_lines, mapping) => {
        checked.mapping = mapping.columns;
      },
      onProgress: ctx.onProgress,
    });
  } catch (error) {
    checked.stopped = stoppedBy(error);
  }
  return checked;
}

/** The import itself, with the settings the check used. */
export async function importUpload(
  ctx: RunContext,
  upload: Upload,
): Promise<{ report?: ImportReport; stopped?: Stopped }> {
  try {
    const report = await importPath(ctx.db, ctx.config, ctx.path, {
      ...settings(upload),
      dryRun: false,
      now: ctx.now,
      onProgress: ctx.onProgress,
    });
    return { report };
  } catch (error) {
    return { stopped: stoppedBy(error) };
  }
}
