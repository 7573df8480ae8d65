/** The results: rows with a target and a verdict, printed as a table or as one JSON object. */
import { cpus, totalmem } from 'node:os';

export interface Target {
  op: '>=' | '<=';
  value: number;
  /** How the target reads in the table, e.g. "≥ 0.9× baseline". */
  text: string;
}

export interface ResultRow {
  /** Stable key for machines, e.g. `plan.day.1000000`. */
  id: string;
  measure: string;
  db: 'sqlite' | 'postgres' | '-';
  value: number | null;
  unit: string;
  target: Target | null;
  /** value ÷ target (for ≤ targets, below 1 is good; for ≥ targets, above 1). */
  ratio: number | null;
  pass: boolean | null;
  notes: string;
}

export function row(r: Omit<ResultRow, 'ratio' | 'pass'>): ResultRow {
  if (r.target === null || r.value === null) return { ...r, ratio: null, pass: null };
  const ratio = r.value / r.target.value;
  const pass = r.target.op === '>=' ? r.value >= r.target.value : r.value <= r.target.value;
  return { ...r, ratio, pass };
}

export function skippedRow(id: string, measure: string, db: ResultRow['db'], why: string): ResultRow {
  return {
    id,
    measure,
    db,
    value: null,
    unit: '',
    target: null,
    ratio: null,
    pass: null,
    notes: `skipped: ${why}`,
  };
}

export function machine(): Record<string, unknown> {
  const list = cpus();
  return {
    cpus: list.length,
    cpu: list[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

function formatValue(value: number | null, unit = ''): string {
  if (value === null) return '-';
  // A ratio is read against a threshold like 0.9: show enough digits to see which side.
  if (unit === '×') return value.toFixed(3);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function verdict(r: ResultRow): string {
  if (r.notes.startsWith('FAILED')) return 'FAILED';
  if (r.pass === null || r.ratio === null) return r.value === null ? 'skipped' : 'info';
  return `${r.pass ? 'ok' : 'MISS'} (${r.ratio.toFixed(2)} of target)`;
}

export function table(rows: readonly ResultRow[]): string {
  const header = ['measure', 'db', 'value', 'unit', 'target', 'verdict', 'notes'];
  const cells = rows.map((r) => [
    r.measure,
    r.db,
    formatValue(r.value, r.unit),
    r.unit,
    r.target?.text ?? '-',
    verdict(r),
    r.notes,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) =>
    c
      .map((text, i) => (i === 2 ? text.padStart(widths[i] as number) : text.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function markdownTable(rows: readonly ResultRow[]): string {
  const lines = [
    '| measure | db | value | unit | target | verdict | notes |',
    '|---|---|--:|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.measure} | ${r.db} | ${formatValue(r.value, r.unit)} | ${r.unit} | ${r.target?.text ?? '-'} | ${verdict(r)} | ${r.notes} |`,
    );
  }
  return lines.join('\n');
}

export function summary(rows: readonly ResultRow[]): string {
  const judged = rows.filter((r) => r.pass !== null);
  const missed = judged.filter((r) => r.pass === false);
  const failed = rows.filter((r) => r.notes.startsWith('FAILED'));
  const list = (xs: readonly ResultRow[]) => xs.map((r) => `${r.measure} [${r.db}]`).join(', ');
  return (
    `${judged.length - missed.length} of ${judged.length} targets met` +
    (missed.length ? `; missed: ${list(missed)}` : '') +
    (failed.length ? `; FAILED: ${list(failed)}` : '')
  );
}

export function anyFailed(rows: readonly ResultRow[]): boolean {
  return rows.some((r) => r.notes.startsWith('FAILED'));
}
