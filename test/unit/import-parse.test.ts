import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { detectFormat, readRecords } from '../../src/import/parse.js';
import type { ImportFormat, ParsedRow } from '../../src/import/types.js';
import { streamOf } from '../fixtures/import/fake-store.js';

async function read(text: string | Buffer, format: ImportFormat, chunkSize?: number): Promise<ParsedRow[]> {
  const rows: ParsedRow[] = [];
  for await (const row of readRecords(streamOf(text, chunkSize), format)) rows.push(row);
  return rows;
}

async function refusal(text: string | Buffer, format: ImportFormat): Promise<AppError> {
  const error = await read(text, format).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('E_IMPORT_UNREADABLE');
  return error as AppError;
}

const lines = (rows: ParsedRow[]) => rows.map((row) => row.line);

describe('readRecords: CSV', () => {
  const csv =
    '\ufeff ID ,First_Name\r\n' + // 1 (BOM, header trimmed; the mapping compares without case)
    '1,Ann\r\n' + // 2
    '\r\n' + // 3 blank
    '2,"Bob\r\nthe second\r\nline"\r\n' + // 4-6 quoted multi-line
    '3,Cy\r\n' + // 7
    ',\r\n' + // 8 all-empty row (spreadsheet residue) skipped
    '\r\n' + // 9 blank
    '4,"Di, ""the"" one"\r\n'; // 10

  it('numbers rows by the line they start on, through blank lines and quoted line breaks', async () => {
    const rows = await read(csv, 'csv');
    expect(lines(rows)).toEqual([2, 4, 7, 10]);
    expect(rows[0]).toEqual({ line: 2, record: { ID: '1', First_Name: 'Ann' } });
    expect(rows[1]).toEqual({ line: 4, record: { ID: '2', First_Name: 'Bob\r\nthe second\r\nline' } });
    expect(rows[3]).toEqual({ line: 10, record: { ID: '4', First_Name: 'Di, "the" one' } });
  });

  it('gives the same lines however the bytes are chunked', async () => {
    for (const size of [1, 2, 3, 7]) expect(lines(await read(csv, 'csv', size))).toEqual([2, 4, 7, 10]);
  });

  it('reads \\n, \\r\\n and \\r line endings, even mixed', async () => {
    const rows = await read('id,name\n1,a\r\n2,b\r3,c\n', 'csv');
    expect(rows).toEqual([
      { line: 2, record: { id: '1', name: 'a' } },
      { line: 3, record: { id: '2', name: 'b' } },
      { line: 4, record: { id: '3', name: 'c' } },
    ]);
  });

  it('reports a row with the wrong number of values and keeps going', async () => {
    const rows = await read('id,name\n1,a,extra\n2\n3,c\n', 'csv');
    expect(rows).toEqual([
      { line: 2, error: expect.stringContaining('has 3 values but the header row has 2 columns') },
      { line: 3, error: expect.stringContaining('has 1 values') },
      { line: 4, record: { id: '3', name: 'c' } },
    ]);
  });

  it('keeps stray quotes inside a value', async () => {
    const rows = await read('id,name\n1,Bob "Bobby" Smith\n2,"a"b\n', 'csv');
    expect(rows).toEqual([
      { line: 2, record: { id: '1', name: 'Bob "Bobby" Smith' } },
      { line: 3, record: { id: '2', name: '"a"b' } },
    ]);
  });

  it('stops at an unclosed quote, reporting the line where that row starts', async () => {
    const rows = await read('id,name\n1,a\n\n2,"never closed\n3,c\n4,d\n', 'csv');
    expect(rows).toEqual([
      { line: 2, record: { id: '1', name: 'a' } },
      { line: 4, error: expect.stringMatching(/never closed.*rest of the file was not read/) },
    ]);
  });

  it('finds the start of an unclosed quote after CRLF quoted line breaks, however chunked', async () => {
    const text = 'id,n\r\n1,"a\r\nb"\r\n\r\n2,"open\r\n3,c\r\n';
    for (const size of [1, 5, 1000]) {
      expect((await read(text, 'csv', size)).map((row) => row.line)).toEqual([2, 5]);
    }
  });

  it('keeps raw control characters in values for the validators to judge', async () => {
    const rows = await read('id,title\n1,a\u0000b\n', 'csv');
    expect(rows).toEqual([{ line: 2, record: { id: '1', title: 'a\u0000b' } }]);
  });

  it('calls onHeader with the column names, which may refuse the file', async () => {
    const seen: string[][] = [];
    const rows = readRecords(streamOf('A,b\n1,2\n'), 'csv', { onHeader: (c) => seen.push([...c]) });
    for await (const _ of rows) void _;
    expect(seen).toEqual([['A', 'b']]);
    const refusing = readRecords(streamOf('a\n1\n'), 'csv', {
      onHeader: () => {
        throw new AppError('E_IMPORT_UNREADABLE', 'no');
      },
    });
    await expect(refusing[Symbol.asyncIterator]().next()).rejects.toThrow('no');
  });
});

describe('readRecords: JSON Lines', () => {
  it('numbers records from line 1, counting blank lines, BOM and CRLF tolerated', async () => {
    const rows = await read('\ufeff{"id":"a"}\r\n\r\n  \n{"id":"b","n":2}\n{"id":"c"}', 'jsonl');
    expect(rows).toEqual([
      { line: 1, record: { id: 'a' } },
      { line: 4, record: { id: 'b', n: 2 } },
      { line: 5, record: { id: 'c' } },
    ]);
  });

  it('reports each line that is not a JSON object', async () => {
    const rows = await read('[1,2]\nnull\n"text"\n{broken\n{"id":"ok"}\n', 'jsonl');
    expect(rows.map((row) => ('error' in row ? `${row.line}: ${row.error}` : row.line))).toEqual([
      '1: not a JSON object',
      '2: not a JSON object',
      '3: not a JSON object',
      '4: not a JSON object (the line is not valid JSON)',
      5,
    ]);
  });

  it('splits multi-byte characters across chunks correctly', async () => {
    const rows = await read('{"name":"Zoë 😀"}\n{"name":"Ünï"}\n', 'jsonl', 1);
    expect(rows).toEqual([
      { line: 1, record: { name: 'Zoë 😀' } },
      { line: 2, record: { name: 'Ünï' } },
    ]);
  });

  it('skips a line too long to hold and goes on', async () => {
    const long = `{"x":"${'a'.repeat(1_100_000)}"}`;
    const rows = await read(`{"id":1}\n${long}\n{"id":3}\n`, 'jsonl');
    expect(rows).toEqual([
      { line: 1, record: { id: 1 } },
      { line: 2, error: expect.stringContaining('longer than') },
      { line: 3, record: { id: 3 } },
    ]);
  });
});

describe('readRecords: unreadable input', () => {
  it('refuses empty input', async () => {
    expect((await refusal('', 'csv')).message).toMatch(/empty/);
    expect((await refusal('\n\n', 'csv')).message).toMatch(/empty/);
    expect((await refusal('', 'jsonl')).message).toMatch(/empty/);
    expect((await refusal(' \n\r\n', 'jsonl')).message).toMatch(/empty/);
  });

  it('refuses a header with an empty or duplicate column name', async () => {
    expect((await refusal('id,,email\n1,2,3\n', 'csv')).message).toMatch(/column without a name: column 2/);
    expect((await refusal('id,Email,email \n1,2,3\n', 'csv')).message).toMatch(
      /"email" twice: columns 2 and 3/,
    );
  });

  it('refuses a header row that never closes its quote', async () => {
    expect((await refusal('"id,email\n1,2\n', 'csv')).message).toMatch(/not a CSV header row/);
  });

  it('refuses binary content and other encodings', async () => {
    const gzip = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00, 0x80, 0x0a, 0x41]);
    expect((await refusal(gzip, 'csv')).message).toMatch(/not UTF-8/);
    expect((await refusal(gzip, 'jsonl')).message).toMatch(/not UTF-8/);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,email\n', 'utf16le')]);
    expect((await refusal(utf16, 'csv')).message).toMatch(/not UTF-8/);
    const latin1 = Buffer.from('id,name\n1,Zo\xeb\n', 'latin1');
    expect((await refusal(latin1, 'csv')).message).toMatch(/not UTF-8/);
  });

  it('refuses UTF-16 without a byte order mark (NULs in the header)', async () => {
    expect((await refusal(Buffer.from('id,email\n1,a@b.co\n', 'utf16le'), 'csv')).message).toMatch(
      /not a header row/,
    );
  });

  it('turns a read error (missing file) into E_IMPORT_UNREADABLE', async () => {
    const rows = readRecords(createReadStream('/nonexistent/customers.csv'), 'csv');
    await expect(rows[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: 'E_IMPORT_UNREADABLE',
      message: expect.stringMatching(/could not read the input: ENOENT/),
    });
  });
});

describe('detectFormat', () => {
  it('goes by extension, in any case', () => {
    expect(detectFormat('a/b/customers.CSV')).toBe('csv');
    expect(detectFormat('events.jsonl')).toBe('jsonl');
    expect(detectFormat('events.ndjson')).toBe('jsonl');
  });

  it('prefers an explicit format', () => {
    expect(detectFormat('data.txt', 'csv')).toBe('csv');
    expect(detectFormat('-', 'NDJSON')).toBe('jsonl');
    expect(detectFormat('x.csv', 'jsonl')).toBe('jsonl');
  });

  it('refuses what it cannot tell', () => {
    const code = { code: 'E_IMPORT_UNREADABLE' };
    expect(() => detectFormat('-')).toThrow(expect.objectContaining(code));
    expect(detectFormat('customers.xlsx')).toBe('xlsx');
    expect(() => detectFormat('customers')).toThrow(/cannot tell the format/);
    expect(() => detectFormat('customers.json')).toThrow(/JSON Lines/);
    expect(() => detectFormat('x.csv', 'xml')).toThrow(/unknown format "xml"/);
  });
});
