/**
 * CSV with a header row, streamed through csv-parse. Records are arrays; this module maps
 * them onto the header's names and works out the line each record starts on.
 */
import { type CsvError, parse, type Parser } from 'csv-parse';
import { asUnreadable, unreadable } from './input.js';
import { hasControl, show } from './text.js';
import type { RecordBuilder } from './mapping.js';
import type { ParsedRow } from './types.js';
import { sniffDelimiter } from './delimiter.js';

/** Longest CSV record read: a longer one is almost always a missing closing quote. */
const MAX_RECORD_CHARS = 1_000_000;

/** A parse error that stops the file: after how many records it came, and what it is. */
interface Fatal {
  records: number;
  reason: string;
}

const STOPPED = 'the rest of the file was not read; fix this line and import the file again';

const BREAK = /\r\n|\r|\n/g;

/** The lines a record spans: one, and one more for each line break inside a quoted value. */
function linesOf(record: readonly string[]): number {
  let lines = 1;
  for (const field of record) {
    if (field.includes('\n') || field.includes('\r')) lines += (field.match(BREAK) ?? []).length;
  }
  return lines;
}

function describe(err: CsvError): Fatal {
  const records = typeof err.records === 'number' ? err.records : 0;
  let reason = `cannot be read as CSV (${err.message})`;
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
    reason = 'a quoted value is never closed (a " is missing)';
  } else if (err.code === 'CSV_MAX_RECORD_SIZE') {
    reason = `the row is longer than ${MAX_RECORD_CHARS} characters (is a closing " missing?)`;
  }
  return { records, reason };
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
    relax_column_count: true,
    relax_quotes: true,
    // Blank lines come as records of one empty value, skipped below: so every line is a record's.
    skip_empty_lines: false,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_CHARS,
    record_delimiter: ['\r\n', '\n', '\r'],
  });
}

/**
 * The records csv-parse makes of `bytes`, a chunk's at a time: fed and drained in turn, without
 * a stream's await for every record.
 */
async function* records(csv: Parser, bytes: AsyncIterable<Buffer>): AsyncGenerator<string[][]> {
  let failed: Error | undefined;
  csv.on('error', (err: Error) => {
    failed ??= err;
  });
  const drain = () => {
    const out: string[][] = [];
    for (let record = csv.read() as string[] | null; record !== null; record = csv.read() as string[] | null)
      out.push(record);
    if (failed !== undefined) throw failed;
    return out;
  };
  for await (const chunk of bytes) {
    csv.write(chunk);
    yield drain();
  }
  csv.end();
  yield drain();
}

/**
 * The rows of a CSV file, each with the line it starts on.
 *
 * Line numbers are counted from the records: blank lines are kept as records (and skipped
 * here), so each record starts on the line after the previous one's last, and spans one line
 * more for each line break inside its quoted values. csv-parse's own `info.lines` counts a
 * quoted `\r\n` as two lines.
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
  let header: string[] | undefined;
  let build: RecordBuilder | undefined;
  let seen = 0;
  let linesBefore = 0;
  try {
    reading: for await (const chunk of records(csv, all)) {
      for (const record of chunk) {
        if (fatal && seen >= fatal.records) break reading;
        seen++;
        const line = linesBefore + 1;
        linesBefore += linesOf(record);
        if (record.every((field) => field.trim() === '')) continue;
        if (!header) {
          header = headerNames(record);
          onHeader?.(header);
          build = builder?.();
        } else {
          yield toRow(header, record, line, build);
        }
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
    yield { line: linesBefore + 1, error: `${fatal.reason}; ${STOPPED}` };
  }
}
