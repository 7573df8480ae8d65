/**
 * What the import gives a page beyond the CLI's lines: progress while reading, the mapping as
 * data, an ambiguous date column with its example and the two formats to offer, `.tsv` files.
 */
import { describe, expect, it } from 'vitest';
import { AmbiguousDates, formatChoices } from '../../src/import/date-input.js';
import type { Mapping } from '../../src/import/mapping.js';
import { detectFormat } from '../../src/import/parse.js';
import { runImport } from '../../src/import/run.js';
import { FakeStore, NOW, streamOf } from '../fixtures/import/fake-store.js';

const options = (text: string) => ({
  kind: 'customers' as const,
  input: streamOf(text),
  format: 'csv' as const,
  store: new FakeStore(),
  dryRun: true,
  now: NOW,
});

describe('the import, for the console', () => {
  it('reports the rows read every thousand rows', async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => `c${i},c${i}@example.com`);
    const seen: number[] = [];
    const report = await runImport({
      ...options(`id,email\n${rows.join('\n')}\n`),
      onProgress: (read) => seen.push(read),
    });
    expect(seen).toEqual([1000, 2000]);
    expect(report.read).toBe(2500);
  });

  it('gives the mapping as data, even for a file refused for a missing column', async () => {
    let mapping: Mapping | undefined;
    await expect(
      runImport({ ...options('Contact,Notes\nx@example.com,hi\n'), onMapping: (_l, m) => (mapping = m) }),
    ).rejects.toThrow(/has no "id", "email" column/);
    expect(mapping?.columns.map((c) => [c.column, c.target, c.how])).toEqual([
      ['Contact', 'contact', 'attribute'],
      ['Notes', 'notes', 'attribute'],
    ]);
  });

  it('names an ambiguous date column and an example value', async () => {
    const error = await runImport(options('id,email,Birthday\nd1,d@example.com,03.04.1990\n')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AmbiguousDates);
    expect(error).toMatchObject({ column: 'Birthday', example: '03.04.1990', code: 'E_IMPORT_UNREADABLE' });
  });

  it('offers day-first and month-first formats written as the value is', () => {
    expect(formatChoices('03.04.1990')).toEqual(['DD.MM.YYYY', 'MM.DD.YYYY']);
    expect(formatChoices('03/04/1990 10:15 PM')).toEqual(['DD/MM/YYYY hh:mm A', 'MM/DD/YYYY hh:mm A']);
    expect(formatChoices('03-04-1990 22:15:05')).toEqual(['DD-MM-YYYY HH:mm:ss', 'MM-DD-YYYY HH:mm:ss']);
    expect(formatChoices('03/04')).toEqual(['DD/MM', 'MM/DD']);
  });

  it('reads .tsv files as separated values', () => {
    expect(detectFormat('export.TSV')).toBe('csv');
  });
});
