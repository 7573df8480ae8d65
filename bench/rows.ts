/** Each measure's child result turned into table rows, with their targets. */
import type { ChildResult } from './child.js';
import { row, skippedRow, type ResultRow } from './report.js';

type Db = ResultRow['db'];
const M = 1_000_000;

const num = (r: ChildResult) => (key: string) => r[key] as number;
const info = (id: string, measure: string, db: Db, value: number, unit: string, notes: string): ResultRow =>
  row({ id, measure, db, value, unit, target: null, notes });

export function renderRows(r: ChildResult): ResultRow[] {
  const n = num(r);
  return [
    info(
      'render.birthday',
      'render birthday (layout, partials, subject+html+text)',
      '-',
      n('birthday'),
      'emails/s',
      `${us(n('birthday'))} µs each`,
    ),
    info(
      'render.digest',
      'render digest (5 items)',
      '-',
      n('digest'),
      'emails/s',
      `${us(n('digest'))} µs each`,
    ),
    info(
      'render.message',
      'render + sign links + compose, birthday',
      '-',
      n('birthdayMessage'),
      'msgs/s',
      `${us(n('birthdayMessage'))} µs each; digest ${us(n('digestMessage'))} µs`,
    ),
  ];
}

/** The target is for 1M customers; a smaller population is judged against it scaled down. */
export function planRow(db: Db, size: number, judged: boolean, r: ChildResult): ResultRow {
  const n = num(r);
  const scaled = (2000 * size) / M;
  const text = size === M ? '≤ 2 s' : `≤ ${Math.round(scaled)} ms (2 s per 1M)`;
  return row({
    id: `plan.day.${size}`,
    measure: `plan 1 day, ${count(size)} customers`,
    db,
    value: n('ms'),
    unit: 'ms',
    target: judged ? { op: '<=', value: scaled, text } : null,
    notes: `${n('inserted')} rows, ${k(n('rowsPerSec'))} rows/s, ${n('customers')} customers read, peak RSS ${mb(n('peakRssMb'))}`,
  });
}

export function mondayRow(db: Db, size: number, r: ChildResult): ResultRow {
  const n = num(r);
  const notes = `${n('inserted')} rows, ${k(n('rowsPerSec'))} rows/s, peak RSS ${mb(n('peakRssMb'))}`;
  return info(
    `plan.monday.${size}`,
    `plan 1 Monday (weekly digest for all), ${count(size)}`,
    db,
    n('ms'),
    'ms',
    notes,
  );
}

export function deliverRows(db: Db, r: ChildResult): ResultRow[] {
  const n = num(r);
  const spread = (r.ratios as number[]).map((x) => x.toFixed(2));
  const rounds = spread.length > 8 ? `${spread[0]}…${spread[spread.length - 1]}` : spread.join(' ');
  return [
    info(
      'deliver.e2e',
      'deliver end to end (claim→render→send→record)',
      db,
      n('e2ePerSec'),
      'msgs/s',
      `${n('sends')} messages in ${n('rounds')} batches to a loopback smtp-server sink`,
    ),
    info(
      'deliver.baseline',
      'baseline: nodemailer pool alone, pre-rendered',
      db,
      n('baselinePerSec'),
      'msgs/s',
      'the same messages, a batch at a time between ours; pool 5, maxMessages ∞',
    ),
    row({
      id: 'deliver.ratio',
      measure: 'end to end ÷ baseline (median of rounds)',
      db,
      value: n('ratioMedian'),
      unit: '×',
      target: { op: '>=', value: 0.9, text: '≥ 0.9×' },
      notes: `totals ${n('ratioOfTotals').toFixed(2)}×; rounds ${rounds}`,
    }),
  ];
}

export function memoryRows(db: Db, sends: number, sizes: number[], results: ChildResult[]): ResultRow[] {
  const rows = results.map((r, i) =>
    info(
      `memory.${sizes[i]}`,
      `peak RSS sending ${count(sends)}, ${count(sizes[i] as number)} customers`,
      db,
      r.peakRssMb as number,
      'MB',
      `${k(r.perSec as number)} msgs/s; heap after a full GC ${mb(r.retainedMb as number)}`,
    ),
  );
  if (results.length === 2) {
    const [small, large] = sizes as [number, number];
    rows.push(
      row({
        id: 'memory.growth',
        measure: `RSS(${count(large)}) − RSS(${count(small)})`,
        db,
        value: (results[1]?.peakRssMb as number) - (results[0]?.peakRssMb as number),
        unit: 'MB',
        target: { op: '<=', value: 15, text: '≤ 15 MB' },
        notes:
          `heap after GC ${signed((results[1]?.retainedMb as number) - (results[0]?.retainedMb as number))} MB; ` +
          `a full GC after each batch${large === M && small === 100_000 ? '' : '; target is for 1M vs 100k'}`,
      }),
    );
  }
  return rows;
}

export function latencyRows(db: Db, events: number, population: number, r: ChildResult): ResultRow[] {
  const n = num(r);
  return [
    info(
      'latency.p50',
      'event → sent (after: 0), p50',
      db,
      n('p50'),
      'ms',
      `${events} events, one at a time, ${count(population)} customers`,
    ),
    row({
      id: 'latency.p99',
      measure: 'event → sent (after: 0), p99',
      db,
      value: n('p99'),
      unit: 'ms',
      target: { op: '<=', value: 1000, text: '≤ 1000 ms' },
      notes: `max ${n('max').toFixed(1)} ms`,
    }),
  ];
}

export function feedRows(db: Db, r: ChildResult): ResultRow[] {
  if (typeof r.skipped === 'string') return [skippedRow('feed', 'GET /feed.xml', db, r.skipped)];
  const target = { op: '>=' as const, value: 5000, text: '≥ 5,000 req/s' };
  const n = num(r);
  const notes = `${n('bodyBytes')} bytes, ${n('concurrency')} keep-alive connections`;
  return [
    row({
      id: 'feed.full',
      measure: 'GET /feed.xml (200)',
      db,
      value: n('full'),
      unit: 'req/s',
      target,
      notes,
    }),
    row({
      id: 'feed.conditional',
      measure: 'GET /feed.xml If-None-Match (304)',
      db,
      value: n('conditional'),
      unit: 'req/s',
      target,
      notes: '',
    }),
  ];
}

export function simulateRow(db: Db, size: number, r: ChildResult): ResultRow {
  const n = num(r);
  const notes = `${k(n('lines'))} lines (${k(n('sends'))} sends), ${k(n('linesPerSec'))} lines/s, peak RSS ${mb(n('peakRssMb'))}`;
  return info(
    `simulate.year.${size}`,
    `simulate 1 year, ${count(size)} customers`,
    db,
    n('ms') / 1000,
    's',
    notes,
  );
}

export function count(n: number): string {
  return n >= M && n % M === 0 ? `${n / M}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

const k = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (n: number) => `${Math.round(n)} MB`;
const us = (perSec: number) => (1e6 / perSec).toFixed(0);
const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;

/** Importing a realistic customer export, then again unchanged and with 10% changed: time and peak RSS. */
export function importRows(db: Db, customers: number, r: ChildResult): ResultRow[] {
  const n = num(r);
  const cpu = (key: string) => `CPU ${n(key).toFixed(1)} s`;
  const note = `${k(n('perSec'))} rows/s, ${cpu('cpuSeconds')}${customers === M ? '' : '; targets are for 1M rows'}`;
  return [
    row({
      id: `import.seconds.${customers}`,
      measure: `import ${count(customers)} customers (CSV export, mapped)`,
      db,
      value: n('seconds'),
      unit: 's',
      target: { op: '<=', value: 30, text: '≤ 30 s' },
      notes: note,
    }),
    info(
      `import.reimport.${customers}`,
      `re-import the same ${count(customers)} (all unchanged)`,
      db,
      n('reimportSeconds'),
      's',
      cpu('reimportCpuSeconds'),
    ),
    info(
      `import.changed.${customers}`,
      `re-import with 10% of ${count(customers)} changed`,
      db,
      n('changedSeconds'),
      's',
      cpu('changedCpuSeconds'),
    ),
    row({
      id: `import.rss.${customers}`,
      measure: `peak RSS importing ${count(customers)} customers (all three passes)`,
      db,
      value: n('peakRssMb'),
      unit: 'MB',
      target: { op: '<=', value: 200, text: '≤ 200 MB' },
      notes: `first pass alone ${mb(n('firstRssMb'))}, ${mb(n('startRssMb'))} before it; streamed, in batches`,
    }),
  ];
}

/**
 * The same three passes on the calling thread with each batch written in turn (as an import
 * from standard input runs), against the default ones of the same run (`thread`).
 */
export function inlineImportRows(
  db: Db,
  customers: number,
  r: ChildResult,
  thread: ChildResult,
): ResultRow[] {
  const n = num(r);
  const base = num(thread);
  const pass = (key: string, cpuKey: string) =>
    `the default is ${(base(key) / n(key)).toFixed(2)} × this (${base(key).toFixed(1)} s); CPU ${n(cpuKey).toFixed(1)} s`;
  const what = `${count(customers)} customers on the calling thread, batches in turn`;
  return [
    info(
      `import.inline.seconds.${customers}`,
      `import ${what}`,
      db,
      n('seconds'),
      's',
      pass('seconds', 'cpuSeconds'),
    ),
    info(
      `import.inline.reimport.${customers}`,
      `re-import the same ${count(customers)}, on the calling thread`,
      db,
      n('reimportSeconds'),
      's',
      pass('reimportSeconds', 'reimportCpuSeconds'),
    ),
    info(
      `import.inline.changed.${customers}`,
      `re-import with 10% of ${count(customers)} changed, on the calling thread`,
      db,
      n('changedSeconds'),
      's',
      pass('changedSeconds', 'changedCpuSeconds'),
    ),
    info(
      `import.inline.rss.${customers}`,
      `peak RSS importing ${what} (all three passes)`,
      db,
      n('peakRssMb'),
      'MB',
      `first pass alone ${mb(n('firstRssMb'))}; the default: ${mb(base('peakRssMb'))}, first pass ${mb(base('firstRssMb'))}`,
    ),
  ];
}

/** One row per console function and page: its p95 against 150 ms, p50 and max in the notes. */
export function consoleRows(db: Db, r: ChildResult): ResultRow[] {
  const results = r.results as Record<string, { p50: number; p95: number; max: number; rounds?: number }>;
  const size = `${count(Number(r.customers))} customers, ${count(Number(r.deliveries))} deliveries`;
  return Object.entries(results).map(([name, t]) =>
    row({
      id: `console.${name.replace(/[^A-Za-z0-9]+/g, '_')}`,
      measure: `console ${name}, p95`,
      db,
      value: t.p95,
      unit: 'ms',
      target: { op: '<=', value: 150, text: '≤ 150 ms' },
      notes: `p50 ${t.p50.toFixed(1)} ms, max ${t.max.toFixed(1)} ms${t.rounds ? `, ${t.rounds} requests` : ''}; ${size}`,
    }),
  );
}
