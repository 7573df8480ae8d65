/**
 * Which column of a file becomes which field: an explicit map (`--map`, `--map-file`) first,
 * then the headers of common exports, then the field's own name; every other column is kept
 * under a normalised attribute name (see attributeName), or ignored when mapped to `-`.
 */
import { parse as parseYaml } from 'yaml';
import { COLUMNS } from './columns.js';
import { attributeName, fieldForHeader, headerKey } from './headers.js';
import { unreadable } from './input.js';
import type { ImportKind } from './types.js';

/** A header (as written, or any spelling with the same letters and digits) → a field, or `-`. */
export type ExplicitMap = ReadonlyMap<string, string>;

export const IGNORE = '-';

/** One column's fate, for the report. */
export interface ColumnMapping {
  column: string;
  /** The field or attribute the column fills; null when ignored. */
  target: string | null;
  how: 'map' | 'recognised' | 'attribute' | 'ignored';
}

export interface Mapping {
  columns: ColumnMapping[];
  /** Original header → target (ignored columns absent). */
  byColumn: ReadonlyMap<string, string>;
  /** Fields given a value the file lacks: an events file without `type` means purchases. */
  defaults: Readonly<Record<string, string>>;
  /** Fields filled from another when the file lacks them: customers without an id use the email. */
  copies: Readonly<Record<string, string>>;
}

function addPair(out: Map<string, string>, header: string, field: string, where: string): void {
  const key = headerKey(header);
  if (key === '') throw unreadable(`${where}: "${header}" is not a column name`);
  const target = field.trim();
  if (target !== IGNORE && !/^[a-z0-9_][a-z0-9_.-]{0,63}$/.test(target)) {
    throw unreadable(`${where}: "${target}" is not a field name (e.g. email, first_name, or - to ignore)`);
  }
  out.set(key, target);
}

/** `--map "Email Address=email,First Name=first_name"`. */
export function parseMapOption(text: string): ExplicitMap {
  const out = new Map<string, string>();
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.lastIndexOf('=');
    if (eq < 0) throw unreadable(`--map: "${pair.trim()}" is not Header=field`);
    addPair(out, pair.slice(0, eq), pair.slice(eq + 1), '--map');
  }
  return out;
}

/** Header → field pairs chosen elsewhere (the console's mapping form), checked as `--map` is. */
export function mapFromPairs(pairs: ReadonlyArray<readonly [string, string]>, where: string): ExplicitMap {
  const out = new Map<string, string>();
  for (const [header, field] of pairs) addPair(out, header, field, where);
  return out;
}

/**
 * A saved mapping file: YAML or JSON, `{ "Email Address": email, "Notes": "-" }`, or lines of
 * `Header=field`.
 */
export function parseMapFile(text: string, name: string): ExplicitMap {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    doc = undefined;
  }
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    const out = new Map<string, string>();
    for (const [header, field] of Object.entries(doc)) {
      if (typeof field !== 'string') throw unreadable(`${name}: "${header}" must map to a field name`);
      addPair(out, header, field, name);
    }
    return out;
  }
  return parseMapOption(text.split(/\r?\n/).join(','));
}

function uniqueName(base: string, taken: Set<string>, index: number): string {
  let name = base === '' ? `column_${index + 1}` : base;
  for (let n = 2; taken.has(name); n++) name = `${base || `column_${index + 1}`}_${n}`;
  return name;
}

/** Decides every column's target; refuses a map naming the same field twice. */
export function resolveMapping(kind: ImportKind, columns: readonly string[], explicit: ExplicitMap): Mapping {
  const known = COLUMNS[kind].known;
  const taken = new Set<string>();
  const result: (ColumnMapping | undefined)[] = columns.map((column) => {
    const target = explicit.get(headerKey(column));
    if (target === undefined) return undefined;
    if (target === IGNORE) return { column, target: null, how: 'ignored' };
    if (taken.has(target)) throw unreadable(`the map sends two columns to "${target}"`);
    taken.add(target);
    return { column, target, how: 'map' };
  });
  columns.forEach((column, i) => {
    if (result[i]) return;
    const exact = column.trim().toLowerCase();
    const field = known.has(exact) ? exact : fieldForHeader(kind, column);
    if (field !== undefined && !taken.has(field)) {
      taken.add(field);
      result[i] = { column, target: field, how: 'recognised' };
    }
  });
  columns.forEach((column, i) => {
    if (result[i]) return;
    const name = uniqueName(attributeName(column), new Set([...taken, ...known]), i);
    taken.add(name);
    result[i] = { column, target: name, how: 'attribute' };
  });
  const list = result as ColumnMapping[];
  const byColumn = new Map(list.filter((c) => c.target !== null).map((c) => [c.column, c.target as string]));
  const defaults: Record<string, string> = {};
  if (kind === 'events' && !taken.has('type')) defaults.type = 'purchase';
  const copies: Record<string, string> = {};
  if (kind === 'customers' && !taken.has('id') && taken.has('email')) copies.id = 'email';
  return { columns: list, byColumn, defaults, copies };
}

/** The mapping as the import prints it: one line per column. */
export function describeMapping(mapping: Mapping): string[] {
  const lines = mapping.columns.map((c) => {
    if (c.target === null) return `  "${c.column}" → (ignored)`;
    const note = c.how === 'attribute' ? ' (attribute)' : c.how === 'map' ? ' (from the map)' : '';
    return `  "${c.column}" → ${c.target}${note}`;
  });
  for (const [field, value] of Object.entries(mapping.defaults)) {
    lines.push(`  (no ${field} column) → ${field} = ${value}`);
  }
  for (const [field, from] of Object.entries(mapping.copies)) {
    lines.push(`  (no ${field} column) → ${field} = the ${from} address, lower-cased`);
  }
  return lines;
}

/** A record keyed by the file's headers → keyed by field. */
export function applyMapping(mapping: Mapping, record: Record<string, unknown>): Record<string, unknown> {
  const entries: [string, unknown][] = Object.entries(mapping.defaults);
  for (const [column, value] of Object.entries(record)) {
    const target = mapping.byColumn.get(column);
    if (target !== undefined) entries.push([target, value]);
  }
  // fromEntries defines own properties: a column mapped to "__proto__" cannot reach a prototype.
  const out = Object.fromEntries(entries);
  for (const [field, from] of Object.entries(mapping.copies)) {
    const value = out[from];
    if (typeof value === 'string') out[field] = value.trim().toLowerCase();
  }
  return out;
}

/** Builds a field-keyed record straight from a tabular row's cells, in the file's column order. */
export type RecordBuilder = (cells: readonly string[]) => Record<string, unknown>;

/**
 * `applyMapping` compiled once for a header: the same record (same keys, same key order, same
 * values) built from the row's cells without first keying them by header, which cost an object
 * and an entry list per row. Undefined when a name is `__proto__`, which only the generic path
 * (own properties through fromEntries) keeps harmless.
 */
export function compileMapping(mapping: Mapping, columns: readonly string[]): RecordBuilder | undefined {
  // The order Object.entries gives a header-keyed record (integer-like names first).
  const order = Object.keys(Object.fromEntries(columns.map((column, i) => [column, i])));
  const index = new Map(columns.map((column, i) => [column, i]));
  const targets: Array<[number, string]> = [];
  for (const column of order) {
    const target = mapping.byColumn.get(column);
    if (target !== undefined) targets.push([index.get(column) ?? 0, target]);
  }
  const defaults = Object.entries(mapping.defaults);
  const copies = Object.entries(mapping.copies);
  const names = [...targets.map(([, target]) => target), ...defaults.flat(), ...copies.flat()];
  if (names.includes('__proto__')) return undefined;
  return (cells) => {
    const out: Record<string, unknown> = {};
    for (const [field, value] of defaults) out[field] = value;
    for (const [i, target] of targets) out[target] = cells[i] ?? '';
    for (const [field, from] of copies) {
      const value = out[from];
      if (typeof value === 'string') out[field] = value.trim().toLowerCase();
    }
    return out;
  };
}
