/** Reading an import file: format detection and a stream of numbered records. */
import type { Readable } from 'node:stream';
import { readCsv } from './csv.js';
import { textBytes, unreadable } from './input.js';
import { readJsonl } from './jsonl.js';
import type { RecordBuilder } from './mapping.js';
import type { ImportFormat, ParsedRow } from './types.js';

const FORMAT_NAMES: Record<string, ImportFormat> = {
  csv: 'csv',
  tsv: 'csv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  xlsx: 'xlsx',
};

const HOW = 'use a .csv, .tsv, .xlsx, .jsonl or .ndjson file, or say --format csv, xlsx or jsonl';

/**
 * The format of an import: `explicit` (csv, jsonl or ndjson) when given, else the file's
 * extension. Standard input (`-`) has no extension, so it needs `explicit`.
 */
export function detectFormat(path: string, explicit?: string): ImportFormat {
  if (explicit !== undefined) {
    const format = FORMAT_NAMES[explicit.trim().toLowerCase()];
    if (!format) throw unreadable(`unknown format "${explicit}": use csv, xlsx or jsonl`);
    return format;
  }
  if (path === '-') throw unreadable(`cannot tell the format of standard input: ${HOW}`);
  const ext = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  const format = FORMAT_NAMES[ext];
  if (format) return format;
  if (ext === 'json') {
    throw unreadable(
      `"${path}" looks like a JSON file; imports read JSON Lines (one object per line): ${HOW}`,
    );
  }
  throw unreadable(`cannot tell the format of "${path}" from its name: ${HOW}`);
}

export interface ReadOptions {
  /** Called with a CSV or Excel file's column names before its first row; may throw to refuse the file. */
  onHeader?: (columns: readonly string[]) => void;
  /** CSV only, asked once after `onHeader`: what builds each row's record from its cells. */
  builder?: () => RecordBuilder | undefined;
}

/**
 * The records of `input`, one at a time with the line each starts on, or a per-row error
 * for a row that cannot be parsed at all. Memory stays bounded by the longest row.
 * Throws AppError E_IMPORT_UNREADABLE when nothing can be read: a read error, binary
 * content, empty input, or a missing or malformed CSV header.
 */
export function readRecords(
  input: Readable,
  format: ImportFormat,
  options: ReadOptions = {},
): AsyncIterable<ParsedRow> {
  if (format === 'xlsx') return xlsxRows(input, options.onHeader);
  const bytes = textBytes(input);
  return format === 'csv' ? readCsv(bytes, options.onHeader, options.builder) : readJsonl(bytes);
}

/** The Excel reader, loaded for an Excel file only: its library holds some 13 MB. */
async function* xlsxRows(input: Readable, onHeader: ReadOptions['onHeader']): AsyncGenerator<ParsedRow> {
  const { readXlsx } = await import('./xlsx.js');
  yield* readXlsx(input, onHeader);
}
