/**
 * A large file's rows are read and checked in a worker thread. What the import makes of them
 * must not depend on where they were checked: the same rows, values, problems and warnings in
 * the same order as inline; read errors and unreadable files end the import as inline; the
 * mapping is reported once.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type CheckedRow, checkedRows } from '../../src/import/checked.js';
import { threadedRows } from '../../src/import/rows-thread.js';
import { runImport } from '../../src/import/run.js';
import { FakeStore, NOW, streamOf } from '../fixtures/import/fake-store.js';

const HEADER = 'Customer ID,Email Address,First Name,Birthday,Tags,Accepts Email Marketing,Total Spent\n';

/** A file past the size read in a thread (4 MiB), with a few rows of every kind of trouble. */
function bigFile(rows = 75_000): string {
  const lines = [HEADER];
  for (let i = 0; i < rows; i++) {
    if (i === 7) lines.push(`c${i},not-an-address,Ann,01.02.1990,vip,yes,1\n`);
    else if (i === 8) lines.push(`c${i},c${i}@example.com,Bob,31.02.1990,,no,2\n`);
    else if (i === 9) lines.push(`c3,c3-again@example.com,Dup,,,yes,3\n`);
    else if (i === 10) lines.push(`c${i},c${i}@example.com,Too,Many,Values,yes,4,5\n`);
    else
      lines.push(
        `c${i},c${i}@example.com,Name ${i},${(i % 28) + 1}.03.1980,"a, b",${i % 2 ? 'yes' : 'no'},${i}\n`,
      );
  }
  return lines.join('');
}

const OPTIONS = { kind: 'customers', format: 'csv', zone: 'UTC', now: NOW, strict: false } as const;

async function all<T>(rows: AsyncIterable<CheckedRow<T>>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const row of rows) out.push(JSON.parse(JSON.stringify(row)));
  return out;
}

// Files of several MB, through a worker started from the TypeScript sources: seconds each on a busy machine.
describe('rows checked in a worker thread', { timeout: 120_000 }, () => {
  it('are the rows checked inline, in order, with the same mapping', async () => {
    const text = bigFile();
    expect(Buffer.byteLength(text)).toBeGreaterThan(4 * 1024 * 1024);
    const mappings: string[][] = [];
    const inline = checkedRows({ ...OPTIONS, input: streamOf(text) });
    const expected = await all(inline.rows);
    const input = streamOf(text)[Symbol.asyncIterator]();
    const threaded = threadedRows(
      {
        ...OPTIONS,
        input: streamOf(''),
        onMapping: (lines) => mappings.push(lines),
      },
      [],
      input,
    );
    expect(await all(threaded.rows)).toEqual(expected);
    expect(threaded.zoned()).toBe(inline.zoned());
    expect(mappings).toHaveLength(1);
    expect(mappings[0]).toContain('  "Email Address" → email');
  });

  it('make the same report as a small file in the same import', async () => {
    const text = bigFile();
    expect(Buffer.byteLength(text)).toBeGreaterThan(4 * 1024 * 1024);
    const store = new FakeStore();
    const report = await runImport({
      kind: 'customers',
      input: streamOf(text),
      format: 'csv',
      store,
      dryRun: false,
      now: NOW,
      batchSize: 1000,
    });
    expect(report.read).toBe(75_000);
    expect(report.accepted).toBe(75_000 - 3);
    expect(report.inserted).toBe(75_000 - 3);
    expect(report.rejected.map((e) => [e.line, e.field])).toEqual([
      [9, 'email'],
      [11, 'id'],
      [12, '(record)'],
    ]);
    expect(report.rejected[1]?.reason).toBe('duplicate of line 5');
    expect(report.warnings.map((w) => [w.line, w.field])).toEqual([[10, 'birthday']]);
    expect(store.customers.get('c74999')).toMatchObject({ email: 'c74999@example.com', tags: ['a', 'b'] });
    expect(store.upserts()).toBe(75);
  });

  it('end at a read error after the batches before it are stored', async () => {
    const text = bigFile(70_000);
    expect(Buffer.byteLength(text)).toBeGreaterThan(4 * 1024 * 1024);
    async function* failing() {
      yield* streamOf(text);
      throw new Error('disk went away');
    }
    const store = new FakeStore();
    const run = runImport({
      kind: 'customers',
      input: Readable.from(failing()),
      format: 'csv',
      store,
      dryRun: false,
      now: NOW,
      batchSize: 1000,
    });
    await expect(run).rejects.toThrow(/could not read the input: disk went away/);
    expect(store.upserts()).toBeGreaterThanOrEqual(65);
    expect(store.customers.size % 1000).toBe(0);
  });

  it('refuse a file without the columns it needs, as inline', async () => {
    const text = `Customer ID,First Name\n${'c1,Ann\n'.repeat(700_000)}`;
    const run = runImport({
      kind: 'customers',
      input: streamOf(text),
      format: 'csv',
      store: new FakeStore(),
      dryRun: false,
      now: NOW,
    });
    await expect(run).rejects.toMatchObject({
      code: 'E_IMPORT_UNREADABLE',
      message: expect.stringMatching(/email/),
    });
  });
});
