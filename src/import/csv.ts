/**
 * CSV with a header row, streamed through csv-parse. Records are arrays; this module maps
 * them onto the header's names and works out the line each record starts on.
 */
import { pipeline, Readable } from 'node:stream';
import { type CsvError, parse } from 'csv-parse';
import { asUnreadable, unreadable } from './input.js';
import { hasControl, show } from './text.js';
import type { RecordBuilder } from './mapping.js';
import type { ParsedRow } from './types.js';
import { sniffDelimiter } from './delimiter.js';

/** Longest CSV record read: a longer one is almost always a missing closing quote. */
const MAX_RECORD_CHARS = 1_000_000;

interface CsvItem {
  record: string[];
  /** The record's source text, with any blank lines before it and its line break. */
  raw: string;
}

/** A parse error that stops the file: after how many records it came, and what it is. */
interface Fatal {
  records: number;
  /** Blank lines between the last good record and the bad one. */
  blankBefore: number;
  reason: string;
}

const STOPPED = 'the rest of the file was not read; fix this line and import the file again';

const BREAK = /\r\n|\r|\n/g;

function lineBreaks(text: string): number {
  return text.includes('\n') || text.includes('\r') ? (text.match(BREAK) ?? []).length : 0;
}

/** The line breaks before a record's first character: the blank lines csv-parse skipped. */
function leadingBreaks(raw: string): number {
  return lineBreaks(/^[\r\n]*/.exec(raw)?.[0] ?? '');
}

function describe(err: CsvError): Fatal {
  const blankBefore = typeof err.raw === 'string' ? leadingBreaks(err.raw) : 0;
  const records = typeof err.records === 'number' ? err.records : 0;
  let reason = `cannot be read as CSV (${err.message})`;
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
    reason = 'a quoted value is never closed (a " is missing)';
  } else if (err.code === 'CSV_MAX_RECORD_SIZE') {
    reason = `the row is longer than ${MAX_RECORD_CHARS} characters (is a closing " missing?)`;
  }
  return { records, blankBefore, reason };
}

/**
 * The header's column names, trimmed, as written (the mapping compares them without case);
 * a bad header refuses the file.
 */
export function headerNames(record: readonly string[]): string[] {
  const names = record.map((name) => name.trim());
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (hasControl(name) || name.includes('\ufffd')) {
      throw unreadable(`line 1 is not a header row: column ${i + 1} is named ${show(name)}`);
    }
    if (name === '') {
      throw unreadable(`the header row (line 1) has a column without a name: column ${i + 1}`);
    }
    const first = seen.get(name.toLowerCase());
    if (first !== undefined) {
      throw unreadable(`the header row (line 1) names "${name}" twice: columns ${first + 1} and ${i + 1}`);
    }
    seen.set(name.toLowerCase(), i);
  });
  return names;
}

function toRow(
  header: readonly string[],
  record: readonly string[],
  line: number,
  build: RecordBuilder | undefined,
): ParsedRow {
  if (record.length !== header.length) {
    const hint =
      record.length > header.length ? ' (a value containing a comma must be in double quotes)' : '';
    return {
      line,
      error: `has ${record.length} values but the header row has ${header.length} columns${hint}`,
    };
  }
  if (build) return { line, record: build(record) };
  return { line, record: Object.fromEntries(header.map((name, i) => [name, record[i] ?? ''])) };
}

function parser(delimiter: string) {
  return parse({
    delimiter,
    bom: true,
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_CHARS,
    record_delimiter: ['\r\n', '\n', '\r'],
  });
}

/**
 * The rows of a CSV file, each with the line it starts on.
 *
 * Line numbers are counted from each record's `raw` text rather than csv-parse's
 * `info.lines`, which counts a quoted `\r\n` as two lines. `raw` holds the blank lines
 * skipped before a record, the record (quoted line breaks intact) and its line break
 * (csv-parse 6.2 keeps only the `\r` of a `\r\n` there; counting `\r\n|\r|\n` is right
 * either way, except for a `\r\n` row followed by a `\n` blank line in a mixed file).
 *
 * A structural error (an unclosed quote, a runaway record) ends the file with one error on
 * the line where that record starts: csv-parse cannot reliably find the next row after
 * one, and guessing could import pieces of rows as rows.
 *
 * `builder`, asked once after `onHeader`, may give what makes each row's record from its
 * cells (the mapping, compiled); without one, records are keyed by the header's names.
 */
export async function* readCsv(
  bytes: AsyncIterable<Buffer>,
  onHeader?: (columns: readonly string[]) => void,
  builder?: () => RecordBuilder | undefined,
): AsyncGenerator<ParsedRow> {
  const { delimiter, bytes: all } = await sniffDelimiter(bytes);
  const csv = parser(delimiter);
  let fatal: Fatal | undefined;
  csv.on('skip', (err: CsvError) => {
    fatal ??= describe(err);
  });
  pipeline(Readable.from(all), csv, () => undefined);
  let header: string[] | undefined;
  let build: RecordBuilder | undefined;
  let seen = 0;
  let linesBefore = 0;
  try {
    for await (const item of csv as AsyncIterable<CsvItem>) {
      if (fatal && seen >= fatal.records) break;
      seen++;
      const line = linesBefore + leadingBreaks(item.raw) + 1;
      linesBefore += lineBreaks(item.raw);
      if (!header) {
        header = headerNames(item.record);
        onHeader?.(header);
        build = builder?.();
      } else if (item.record.some((field) => field.trim() !== '')) {
        yield toRow(header, item.record, line, build);
      }
    }
  } catch (err) {
    throw asUnreadable(err);
  } finally {
    csv.destroy();
  }
  if (!header && fatal) throw unreadable(`line 1 is not a CSV header row: ${fatal.reason}`);
  if (!header) throw unreadable('the input is empty: a CSV file needs a header row such as id,email');
  if (fatal) {
    yield { line: linesBefore + fatal.blankBefore + 1, error: `${fatal.reason}; ${STOPPED}` };
  }
}
