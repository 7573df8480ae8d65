import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import writeXlsxFile from 'write-excel-file/node';
import { parseDateFormat } from '../../src/import/date-input.js';
import { formatRowWarning } from '../../src/import/format.js';
import { attributeName } from '../../src/import/headers.js';
import { parseMapFile, parseMapOption } from '../../src/import/mapping.js';
import { formatRowError, type ImportOptions, runImport } from '../../src/import/run.js';
import { FakeStore, NOW, streamOf } from '../fixtures/import/fake-store.js';

type Options = Partial<ImportOptions> & Pick<ImportOptions, 'kind'>;

async function run(text: string, options: Options, store = new FakeStore()) {
  const lines: string[] = [];
  const report = await runImport({
    input: streamOf(text),
    format: 'csv',
    store,
    dryRun: false,
    now: NOW,
    onMapping: (m) => lines.push(...m),
    ...options,
  });
  return { report, lines, store };
}

describe('import: the headers of real exports', () => {
  it('reads a Square directory export without a map, and prints the mapping', async () => {
    const csv = [
      'Reference ID,First Name,Surname,Email Address,Phone Number,Birthday,Square Customer ID,Email Subscription Status,Groups',
      'R1,Ann,Lee,ann@example.com,+1 555 0100,03/14/1990,SQ1,subscribed,"Regulars, Wholesale"',
      'R2,Bob,Ray,bob@example.com,,12/01/1985,SQ2,Unsubscribed,Newsletter',
    ].join('\n');
    const { report, lines, store } = await run(csv, { kind: 'customers' });
    expect(report).toMatchObject({ accepted: 2, rejectedCount: 0 });
    expect(lines).toContain('  "Email Address" → email');
    expect(lines).toContain('  "Square Customer ID" → id');
    expect(lines).toContain('  "Phone Number" → phone_number (attribute)');
    expect(store.customers.get('SQ1')).toMatchObject({
      email: 'ann@example.com',
      last_name: 'Lee',
      birthday: '1990-03-14',
      subscribed: true,
      tags: ['Regulars', 'Wholesale'],
      attributes: { reference_id: 'R1', phone_number: '+1 555 0100' },
    });
    expect(store.customers.get('SQ2')).toMatchObject({ subscribed: false, birthday: '1985-12-01' });
  });

  it('reads a European semicolon sheet with day-first dates, using the email as id', async () => {
    const csv =
      'Vorname;E-Mail;Geburtstag;Newsletter;Tags\nJörg;j@example.de;27.02.1953;ja;"VIP, Stammkunde"\nEva;E@Example.DE;03.04.1990;nein;\n';
    const { report, store } = await run(csv, { kind: 'customers' });
    expect(report).toMatchObject({ accepted: 2, rejectedCount: 0 });
    expect(store.customers.get('j@example.de')).toMatchObject({
      birthday: '1953-02-27',
      subscribed: true,
      tags: ['VIP', 'Stammkunde'],
    });
    expect(store.customers.get('e@example.de')).toMatchObject({ birthday: '1990-04-03', subscribed: false });
  });

  it('reads tab-separated files', async () => {
    const { store } = await run('id\temail\tTags\nc1\ta@example.com\tx; y ,X\n', { kind: 'customers' });
    expect(store.customers.get('c1')?.tags).toEqual(['x', 'y']);
  });

  it('takes --map and map files before the recognised headers; - ignores a column', async () => {
    const map = parseMapOption('Contact=email, Client No=id,Secret Notes=-');
    const csv = 'Client No,Contact,Secret Notes,Loyalty Points (2024)\n7,a@example.com,hidden,12\n';
    const { store, lines } = await run(csv, { kind: 'customers', map });
    expect(store.customers.get('7')).toMatchObject({
      email: 'a@example.com',
      attributes: { loyalty_points_2024: '12' },
    });
    expect(lines).toContain('  "Secret Notes" → (ignored)');
    expect(parseMapFile('"Contact": email\nClient No: id\n', 'm.yaml')).toEqual(
      map.size === 3
        ? new Map([
            ['contact', 'email'],
            ['clientno', 'id'],
          ])
        : map,
    );
    expect(() => parseMapOption('A=email,B=email')).not.toThrow();
    await expect(
      run('A,B\nx@example.com,y\n', { kind: 'customers', map: parseMapOption('A=email,B=email') }),
    ).rejects.toThrow(/two columns to "email"/);
  });

  it('applies --map to JSON Lines keys too', async () => {
    const jsonl = '{"Client No":"7","Contact":"a@example.com","Secret Notes":"x","points":3}\n';
    const { store } = await run(jsonl, {
      kind: 'customers',
      format: 'jsonl',
      map: parseMapOption('Contact=email,Client No=id,Secret Notes=-'),
    });
    expect(store.customers.get('7')).toMatchObject({ email: 'a@example.com', attributes: { points: '3' } });
  });

  it('names attributes by their letters and digits', () => {
    expect(attributeName('Total Spent ($)')).toBe('total_spent');
    expect(attributeName('  Café — Größe ')).toBe('cafe_gro_e');
  });
});

describe('import: dates', () => {
  it('refuses a file whose dates read both ways, naming the column and an example', async () => {
    const csv = 'id,email,Date of Birth\nc1,a@example.com,03/04/1990\nc2,b@example.com,05/06/1991\n';
    await expect(run(csv, { kind: 'customers' })).rejects.toThrow(
      /column "Date of Birth" has dates such as "03\/04\/1990" that read as day\/month or month\/day/,
    );
  });

  it('reads them with --date-format, a birthday without a year too', async () => {
    const csv =
      'id,email,birthday\nc1,a@example.com,03/04/1990\nc2,b@example.com,05/06\nc3,c@example.com,31/31/1990\n';
    const { store, report } = await run(csv, {
      kind: 'customers',
      dateFormat: parseDateFormat('DD/MM/YYYY'),
    });
    expect(store.customers.get('c1')?.birthday).toBe('1990-04-03');
    expect(store.customers.get('c2')?.birthday).toBe('06-05');
    expect(report.warnings.map(formatRowWarning)).toEqual([
      'line 4: birthday: "31/31/1990" does not match --date-format DD/MM/YYYY (imported without it)',
    ]);
    expect(() => parseDateFormat('QQ/MM')).toThrow(/not a date format/);
  });

  it('reads times without an offset in the business zone, and other offset spellings', async () => {
    const store = new FakeStore(['c1']);
    const csv = [
      'Order ID,Customer ID,Created at,Total',
      '1001,c1,2026-03-01 10:00:00,12.50',
      '1002,c1,2026-03-01 10:00:00 -0500,3',
      '1003,c1,03/01/2026 10:00 PM,4',
      '1004,c1,13/01/2026 10:00,4',
    ].join('\n');
    const { report } = await run(
      csv,
      { kind: 'events', zone: 'Europe/Berlin', dateFormat: parseDateFormat('MM/DD/YYYY hh:mm A') },
      store,
    );
    expect(report.rejected.map(formatRowError)).toEqual([
      'line 5: occurred_at: "13/01/2026 10:00" does not match --date-format MM/DD/YYYY hh:mm A',
    ]);
    expect(store.events.get('1001')).toMatchObject({
      type: 'purchase',
      occurred_at: Date.UTC(2026, 2, 1, 9),
    });
    expect(store.events.get('1002')?.occurred_at).toBe(Date.UTC(2026, 2, 1, 15));
    expect(store.events.get('1003')?.occurred_at).toBe(Date.UTC(2026, 2, 1, 21));
    expect(report).toMatchObject({ zonedTimes: 2, zone: 'Europe/Berlin' });
  });
});

describe('import: values', () => {
  it('reads consent words, and words added in the configuration', async () => {
    const rows = ['opted in', 'Opted-Out', 'YES', '0', 'Subscribed', 'abgemeldet'].map(
      (w, i) => `c${i},c${i}@example.com,${w}`,
    );
    const { store, report } = await run(['id,email,subscribed', ...rows].join('\n'), {
      kind: 'customers',
      consent: { yes: [], no: ['abgemeldet'] },
    });
    expect(report.rejectedCount).toBe(0);
    expect([...store.customers.values()].map((c) => c.subscribed)).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    const unknown = await run('id,email,subscribed\nc1,a@example.com,perhaps\n', { kind: 'customers' });
    expect(unknown.report.rejected.map(formatRowError)).toEqual([
      'line 2: subscribed: "perhaps" is not true or false (use true/false, yes/no or 1/0)',
    ]);
  });

  it('stores event types in lower case, so Purchase fires purchase rules', async () => {
    const store = new FakeStore(['c1']);
    await run(
      'id,customer_id,type,occurred_at\ne1,c1,Purchase,2026-03-01T10:00:00Z\n',
      { kind: 'events' },
      store,
    );
    expect(store.events.get('e1')?.type).toBe('purchase');
  });

  it('finds the customer of an order by email when the file has no customer id', async () => {
    const store = new FakeStore();
    await store.upsertCustomers([{ ...baseCustomer('c1'), email: 'Ann@example.com' }]);
    const csv =
      'Name,Email,Created at,Total\n#1001,ann@example.com,2026-03-01T10:00:00Z,9\n#1002,nobody@example.com,2026-03-01T10:00:00Z,1\n';
    const { report } = await run(csv, { kind: 'events' }, store);
    expect(store.events.get('#1001')).toMatchObject({
      customer_id: 'c1',
      type: 'purchase',
      data: { total: '9' },
    });
    expect(report.rejected.map(formatRowError)).toEqual([
      'line 3: customer_email: no customer with email "nobody@example.com"',
    ]);
  });
});

describe('import: Excel workbooks', () => {
  it('reads the first sheet, dates and numbers included', async () => {
    const buffer = await writeXlsxFile([
      [{ value: 'Customer ID' }, { value: 'Email' }, { value: 'Birthday' }, { value: 'Visits' }],
      [
        { value: 'x1' },
        { value: 'a@example.com' },
        { value: new Date(Date.UTC(1990, 2, 14)), format: 'dd.mm.yyyy' },
        { value: 7 },
      ],
    ]).toBuffer();
    const store = new FakeStore();
    const report = await runImport({
      kind: 'customers',
      input: Readable.from([buffer]),
      format: 'xlsx',
      store,
      dryRun: false,
      now: NOW,
    });
    expect(report).toMatchObject({ accepted: 1, rejectedCount: 0 });
    expect(store.customers.get('x1')).toMatchObject({ birthday: '1990-03-14', attributes: { visits: '7' } });
  });

  it('refuses a file that is not a workbook', async () => {
    await expect(
      runImport({
        kind: 'customers',
        input: streamOf('id,email\n'),
        format: 'xlsx',
        store: new FakeStore(),
        dryRun: false,
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: 'E_IMPORT_UNREADABLE' });
  });
});

function baseCustomer(id: string) {
  return {
    id,
    email: `${id}@example.com`,
    first_name: null,
    last_name: null,
    birthday: null,
    timezone: null,
    locale: null,
    customer_since: null,
    tags: [],
    subscribed: true,
    attributes: {},
  };
}
