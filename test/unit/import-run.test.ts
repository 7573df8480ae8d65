import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatRowWarning } from '../../src/import/format.js';
import { exitCodeFor, formatRowError, type ImportOptions, runImport } from '../../src/import/run.js';
import { FakeStore, NOW, streamOf } from '../fixtures/import/fake-store.js';

type Options = Partial<ImportOptions> & Pick<ImportOptions, 'kind'>;

function run(text: string, options: Options, store = new FakeStore()) {
  return runImport({ input: streamOf(text), format: 'csv', store, dryRun: false, now: NOW, ...options });
}

const CUSTOMERS_CSV = [
  'id,email,first_name,last_name,birthday,timezone,tags,subscribed,favourite_drink', // 1
  'c1,ann@example.com,Ann,Lee,1990-05-01,Europe/Paris,vip;newsletter,yes,flat white', // 2
  'c2,bob@@x,Bob,,,,,,', // 3
  'c3,cy@example.com,"Cy\r\nBcc: all@example.com",,,,,,', // 4-5
  'c4,di@example.com,<b>Di</b>,"=HYPERLINK(""http://x"",""y"")",,,,,', // 6
  '', // 7
  'c5,ed@example.com,Ed,,2023-02-29,,,,', // 8
  'c6,fay@example.com,Fay,,2024-02-29,Mars/Olympus,,,', // 9
  'c1,ann2@example.com,Ann,,,,,,', // 10
  'c7,gus@example.com,Gus,,,,,,,one too many', // 11
  'c8,hal@example.com,"Hal ""Junior""",,1988-02-30,,,maybe,', // 12
  '',
].join('\r\n');

describe('runImport: customers', () => {
  it('with --strict, refuses a row for a bad optional field and reports each by line and field', async () => {
    const store = new FakeStore();
    const report = await run(CUSTOMERS_CSV, { kind: 'customers', strict: true }, store);
    expect(report.rejected.map(formatRowError)).toEqual([
      'line 3: email: "bob@@x" is not an email address',
      'line 4: first_name: contains a line break or control character',
      'line 8: birthday: "2023-02-29" is not a real date',
      'line 9: timezone: "Mars/Olympus" is not an IANA time zone (use a name such as Europe/Paris or America/New_York)',
      'line 10: id: duplicate of line 2',
      'line 11: (record): has 10 values but the header row has 9 columns (a value containing a comma must be in double quotes)',
      'line 12: birthday: "1988-02-30" is not a real date',
      'line 12: subscribed: "maybe" is not true or false (use true/false, yes/no or 1/0)',
    ]);
    expect(report).toMatchObject({ kind: 'customers', read: 9, accepted: 2, inserted: 2, rejectedCount: 7 });
    expect(exitCodeFor(report)).toBe(3);
    expect([...store.customers.keys()]).toEqual(['c1', 'c4']);
    expect(store.customers.get('c1')).toMatchObject({
      birthday: '1990-05-01',
      timezone: 'Europe/Paris',
      tags: ['vip', 'newsletter'],
      attributes: { favourite_drink: 'flat white' },
    });
    // Markup and formulas are stored as given: templates escape, and exports neutralise formulas.
    expect(store.customers.get('c4')).toMatchObject({
      first_name: '<b>Di</b>',
      last_name: '=HYPERLINK("http://x","y")',
    });
  });

  it('imports a row without its bad optional fields, with a warning for each', async () => {
    const store = new FakeStore();
    const report = await run(CUSTOMERS_CSV, { kind: 'customers' }, store);
    expect(report.rejected.map(formatRowError)).toEqual([
      'line 3: email: "bob@@x" is not an email address',
      'line 10: id: duplicate of line 2',
      'line 11: (record): has 10 values but the header row has 9 columns (a value containing a comma must be in double quotes)',
      'line 12: subscribed: "maybe" is not true or false (use true/false, yes/no or 1/0)',
    ]);
    expect(report.warnings.map(formatRowWarning)).toEqual([
      'line 4: first_name: contains a line break or control character (imported without it)',
      'line 8: birthday: "2023-02-29" is not a real date (imported without it)',
      'line 9: timezone: "Mars/Olympus" is not an IANA time zone (use a name such as Europe/Paris or America/New_York) (imported without it)',
    ]);
    expect([...store.customers.keys()]).toEqual(['c1', 'c3', 'c4', 'c5', 'c6']);
    expect(store.customers.get('c3')).toMatchObject({ first_name: null, email: 'cy@example.com' });
    expect(store.customers.get('c6')).toMatchObject({ birthday: '2024-02-29', timezone: null });
  });

  it('keeps the first warnings of each field and counts the rest, so one bad column hides no other', async () => {
    const lines = Array.from(
      { length: 300 },
      (_, i) => `c${i},c${i}@example.com,1990-02-30,${i === 299 ? 'Mars/Olympus' : 'UTC'}`,
    );
    const report = await run(['id,email,birthday,timezone', ...lines].join('\n'), {
      kind: 'customers',
      maxErrors: 50,
    });
    expect(report.accepted).toBe(300);
    // A tenth of maxErrors per field: 5 birthdays, and the one time zone, from the last row.
    expect(report.warnings.map((w) => `${w.line}:${w.field}`)).toEqual([
      '2:birthday',
      '3:birthday',
      '4:birthday',
      '5:birthday',
      '6:birthday',
      '301:timezone',
    ]);
    expect(report.warningsOmitted).toBe(295);
    expect(report.warningsOmittedByField).toEqual({ birthday: 295 });
  });

  it('changes nothing when the same file is imported again', async () => {
    const store = new FakeStore();
    const csv = 'id,email,tags\nc1,a@example.com,x;y\nc2,b@example.com,\n';
    const first = await run(csv, { kind: 'customers' }, store);
    const again = await run(csv, { kind: 'customers' }, store);
    expect(first).toMatchObject({ inserted: 2, updated: 0, unchanged: 0 });
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 2, rejectedCount: 0 });
    expect(exitCodeFor(again)).toBe(0);
  });

  it('reads JSON Lines with JSON types', async () => {
    const store = new FakeStore();
    const jsonl = [
      '{"id":"c1","email":"a@example.com","subscribed":false,"tags":["a","b"],"points":3}',
      '',
      '{"id":"c2","email":"b@example.com","first_name":"B\\u0000"}',
      '["not","an","object"]',
    ].join('\n');
    const report = await run(jsonl, { kind: 'customers', format: 'jsonl' }, store);
    expect(report.rejected.map(formatRowError)).toEqual(['line 4: (record): not a JSON object']);
    expect(report.warnings.map(formatRowWarning)).toEqual([
      'line 3: first_name: contains a line break or control character (imported without it)',
    ]);
    expect(store.customers.get('c1')).toMatchObject({
      subscribed: false,
      tags: ['a', 'b'],
      attributes: { points: '3' },
    });
  });

  it('refuses a header without a required column, naming the --map that would fix it', async () => {
    await expect(run('id,contact\n1,a@example.com\n', { kind: 'customers' })).rejects.toMatchObject({
      code: 'E_IMPORT_UNREADABLE',
      message: expect.stringContaining('has no "email" column'),
    });
    await expect(run('id,contact\n1,a@example.com\n', { kind: 'customers' })).rejects.toThrow(
      /--map "Your Header=email"/,
    );
  });

  it('commits the rows before an unclosed quote and reports where it starts', async () => {
    const store = new FakeStore();
    const csv = 'id,email,first_name\nc1,a@example.com,A\nc2,b@example.com,"B\nc3,c@example.com,C\n';
    const report = await run(csv, { kind: 'customers' }, store);
    expect(report.rejected.map(formatRowError)).toEqual([
      expect.stringMatching(/^line 3: \(record\): a quoted value is never closed/),
    ]);
    expect([...store.customers.keys()]).toEqual(['c1']);
  });

  it('keeps at most maxErrors problems but counts every refused row', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => `c${i},not-an-email`);
    const report = await run(['id,email', ...rows].join('\n'), { kind: 'customers', maxErrors: 5 });
    expect(report.rejected).toHaveLength(5);
    expect(report.rejectedCount).toBe(20);
    expect(report.errorsOmitted).toBe(15);
  });
});

describe('runImport: batches and dry runs', () => {
  const csv = (n: number) =>
    ['id,email', ...Array.from({ length: n }, (_, i) => `c${i},c${i}@example.com`)].join('\n');

  it('calls the store once per batch, never per row', async () => {
    for (const [n, batchSize, calls] of [
      [2500, 1000, 3],
      [2000, 1000, 2],
      [5, 1, 5],
      [5, 10, 1],
    ] as const) {
      const store = new FakeStore();
      const report = await run(csv(n), { kind: 'customers', batchSize }, store);
      expect(store.upserts()).toBe(calls);
      expect(Math.max(...store.calls.map((call) => call.rows))).toBeLessThanOrEqual(batchSize);
      expect(report).toMatchObject({ read: n, accepted: n, inserted: n });
    }
  });

  it('writes nothing in a dry run, but validates and counts', async () => {
    const store = new FakeStore();
    const report = await run(`${csv(3)}\nc9,bad`, { kind: 'customers', dryRun: true }, store);
    expect(store.upserts()).toBe(0);
    // The counts are what the real run would report.
    expect(report).toMatchObject({ dryRun: true, read: 4, accepted: 3, inserted: 3, rejectedCount: 1 });
    expect(store.customers.size).toBe(0);
  });

  it('reads nothing from an empty file or a missing one', async () => {
    await expect(run('', { kind: 'customers' })).rejects.toMatchObject({ code: 'E_IMPORT_UNREADABLE' });
    const missing = createReadStream('/nonexistent/customers.csv');
    await expect(
      runImport({
        kind: 'customers',
        input: missing,
        format: 'csv',
        store: new FakeStore(),
        dryRun: false,
        now: NOW,
      }),
    ).rejects.toMatchObject({
      code: 'E_IMPORT_UNREADABLE',
    });
  });

  it('lets a store failure through as it is', async () => {
    const store = new FakeStore();
    store.upsertCustomers = () => Promise.reject(new Error('disk full'));
    await expect(run(csv(3), { kind: 'customers' }, store)).rejects.toThrow('disk full');
  });

  it('reads and validates 100k rows without trouble', async () => {
    const store = new FakeStore();
    function* lines() {
      yield 'id,email,first_name,birthday,timezone,tags,subscribed\n';
      for (let i = 0; i < 100_000; i++) {
        yield `c${i},user${i}@example.com,Name ${i},1980-${String((i % 12) + 1).padStart(2, '0')}-15,Europe/Paris,a;b,true\n`;
      }
    }
    const report = await runImport({
      kind: 'customers',
      input: Readable.from(lines()),
      format: 'csv',
      store,
      dryRun: false,
      now: NOW,
    });
    expect(report).toMatchObject({ read: 100_000, accepted: 100_000, rejectedCount: 0 });
    // Batches of 5000 unless told otherwise.
    expect(store.upserts()).toBe(20);
  }, 60_000);
});

describe('runImport: events', () => {
  const EVENTS = [
    'id,customer_id,type,occurred_at,total', // 1
    'e1,c1,purchase,2026-03-01T10:00:00Z,12.50', // 2
    'e2,ghost,purchase,2026-03-01T10:00:00Z,3', // 3
    'e3,c1,purchase,2026-03-01T10:00:00,4', // 4
    'e4,c2,visit,2026-03-02T09:00:00+01:00,', // 5
    'e1,c1,purchase,2026-03-01T10:00:00Z,12.50', // 6
  ].join('\n');

  it('refuses events of unknown customers, checking once per batch', async () => {
    const store = new FakeStore(['c1', 'c2']);
    const report = await run(EVENTS, { kind: 'events' }, store);
    expect(report.rejected.map(formatRowError)).toEqual([
      'line 3: customer_id: no customer with id "ghost"',
      'line 6: id: duplicate of line 2',
    ]);
    expect(store.calls).toEqual([
      { method: 'missingCustomerIds', rows: 3 },
      { method: 'upsertEvents', rows: 3, dryRun: false },
    ]);
    // No offset: read in the business zone, and counted for the report.
    expect(store.events.get('e3')?.occurred_at).toBe(Date.UTC(2026, 2, 1, 10));
    expect(report).toMatchObject({ zonedTimes: 1, zone: 'UTC' });
    expect(store.events.get('e1')).toEqual({
      id: 'e1',
      customer_id: 'c1',
      type: 'purchase',
      occurred_at: Date.UTC(2026, 2, 1, 10),
      data: { total: '12.50' },
    });
    expect(store.events.get('e4')?.data).toEqual({});
  });

  it('checks customers in a dry run too, without writing', async () => {
    const store = new FakeStore(['c1', 'c2']);
    const report = await run(EVENTS, { kind: 'events', dryRun: true }, store);
    expect(report).toMatchObject({ accepted: 3, rejectedCount: 2, inserted: 3 });
    expect(store.events.size).toBe(0);
    expect(store.upserts()).toBe(0);
  });

  it('keeps JSON types in event data', async () => {
    const store = new FakeStore(['c1']);
    const jsonl =
      '{"id":"e1","customer_id":"c1","type":"purchase","occurred_at":"2026-03-01T10:00:00Z","total":12.5,"items":[{"sku":"A"}]}\n';
    await run(jsonl, { kind: 'events', format: 'jsonl' }, store);
    expect(store.events.get('e1')?.data).toEqual({ total: 12.5, items: [{ sku: 'A' }] });
  });
});

describe('runImport: content', () => {
  it('refuses non-http links and control characters in titles', async () => {
    const store = new FakeStore();
    const csv = [
      'id,title,url,published_at,summary,tags',
      'p1,Spring menu,https://cafe.example/spring,2026-03-01T08:00:00Z,"New drinks\nand cakes",menu',
      'p2,Bad link,javascript:alert(1),2026-03-01T08:00:00Z,,',
      'p3,Nul\u0000title,https://cafe.example/p3,2026-03-01T08:00:00Z,,',
    ].join('\n');
    const report = await run(csv, { kind: 'content' }, store);
    expect(report.rejected.map(formatRowError)).toEqual([
      'line 4: url: "javascript:alert(1)" is not an http or https link',
      'line 5: title: contains a line break or control character',
    ]);
    expect(store.content.get('p1')).toMatchObject({ summary: 'New drinks\nand cakes', tags: ['menu'] });
  });
});
