// JSON Lines records that JSON can carry but a record must not hold: whole numbers beyond 2^53
// (already rounded by JSON.parse) and lone UTF-16 surrogates. Each is refused by line and field.
import { describe, expect, it } from 'vitest';
import { formatRowError, runImport } from '../../src/import/run.js';
import { jsonValueProblems } from '../../src/import/json-values.js';
import { FakeStore, NOW, streamOf } from '../fixtures/import/fake-store.js';

function importJsonl(kind: 'customers' | 'events', lines: string[], store = new FakeStore()) {
  return runImport({
    kind,
    input: streamOf(lines.join('\n')),
    format: 'jsonl',
    store,
    dryRun: false,
    now: NOW,
  });
}

describe('JSON edges in imported records', () => {
  it('refuses numeric ids beyond 2^53 and keeps those that are exact', async () => {
    const store = new FakeStore();
    const report = await importJsonl(
      'customers',
      [
        '{"id":9007199254740993,"email":"a@example.com"}',
        '{"id":9007199254740991,"email":"b@example.com"}',
        '{"id":"9007199254740993","email":"c@example.com"}',
        '{"id":-1e300,"email":"d@example.com"}',
      ],
      store,
    );
    expect(report.rejected.map(formatRowError)).toEqual([
      'line 1: id: is a whole number beyond 2^53, which JSON numbers cannot hold exactly (it reads as 9007199254740992); send ids as strings',
      expect.stringMatching(/^line 4: id: is a whole number beyond 2\^53.*send ids as strings$/),
    ]);
    expect([...store.customers.keys()].sort()).toEqual(['9007199254740991', '9007199254740993']);
    expect(store.customers.get('9007199254740993')?.email).toBe('c@example.com');
  });

  it('refuses an event whose customer_id or nested data holds such a number', async () => {
    const store = new FakeStore();
    const report = await importJsonl(
      'events',
      [
        '{"id":"e1","customer_id":12345678901234567890,"type":"purchase","occurred_at":"2027-01-01T00:00:00Z"}',
        '{"id":"e2","customer_id":"c1","type":"purchase","occurred_at":"2027-01-01T00:00:00Z","items":[1,{"sku":9007199254740993}]}',
      ],
      store,
    );
    expect(report.rejected.map((e) => `${e.line} ${e.field}`)).toEqual(['1 customer_id', '2 items[1].sku']);
    expect(report.rejected.every((e) => e.reason.endsWith('send ids as strings'))).toBe(true);
  });

  it('refuses lone UTF-16 surrogates in values and keys, naming the field, and keeps real pairs', async () => {
    const store = new FakeStore();
    const report = await importJsonl(
      'customers',
      [
        '{"id":"c1","email":"a@example.com","first_name":"Ann \\ud83d"}',
        '{"id":"c2","email":"b@example.com","first_name":"Bo \\ud83d\\ude00"}',
        '{"id":"c3","email":"c@example.com","note\\udc00":"x"}',
        '{"id":"c4","email":"d@example.com","pets":{"names":["Rex","\\udfff"]}}',
      ],
      store,
    );
    expect(report.rejected.map(formatRowError)).toEqual([
      'line 1: first_name: contains a lone UTF-16 surrogate (\\ud83d), which is not a character; send the text as UTF-8 or as a complete \\u pair',
      expect.stringMatching(/^line 3: note\\udc00: contains a lone UTF-16 surrogate \(\\udc00\)/),
      expect.stringMatching(/^line 4: pets\.names\[1\]: contains a lone UTF-16 surrogate \(\\udfff\)/),
    ]);
    expect(store.customers.get('c2')?.first_name).toBe('Bo 😀');
  });

  it('walks deep values without recursion and reports at most ten problems per record', () => {
    let deep: unknown = 'end';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonValueProblems({ id: 'x', deep }, 1)).toEqual([]);
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 2 ** 60]));
    expect(jsonValueProblems(many, 7)).toHaveLength(10);
  });
});
