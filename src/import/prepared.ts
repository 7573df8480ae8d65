/**
 * The records of an import file as the row checks take them: read, mapped onto fields
 * (tabular files), and their values prepared. The first records are held back until the
 * day/month order of each date column is known, so an ambiguous file is refused before any
 * row is written.
 */
import type { Readable } from 'node:stream';
import { checkHeader } from './columns.js';
import type { DateFormat } from './date-input.js';
import { headerKey } from './headers.js';
import {
  applyMapping,
  compileMapping,
  describeMapping,
  type ExplicitMap,
  IGNORE,
  type Mapping,
  type RecordBuilder,
  resolveMapping,
} from './mapping.js';
import { readRecords } from './parse.js';
import { type ConsentWords, decideOrders, type FieldProblem, Preparer } from './prepare.js';
import type { ImportFormat, ImportKind, ParsedRow } from './types.js';

/** Records read before the date columns' order is decided. */
const SAMPLE_ROWS = 2000;

export interface PreparedOptions {
  kind: ImportKind;
  input: Readable;
  format: ImportFormat;
  map?: ExplicitMap;
  dateFormat?: DateFormat;
  zone: string;
  consent?: ConsentWords;
  /** Called once with the mapping of a CSV or Excel file, as lines to print and as it is. */
  onMapping?: (lines: string[], mapping: Mapping) => void;
}

export type PreparedRow =
  | { line: number; error: string }
  | { line: number; record: Record<string, unknown>; problems: FieldProblem[] };

export interface PreparedRecords {
  rows: AsyncIterable<PreparedRow>;
  /** How many values were read in the business zone for want of an offset (so far). */
  zoned(): number;
}

/** JSON Lines keys through an explicit map (records have no shared header to recognise). */
function renameKeys(map: ExplicitMap, record: Record<string, unknown>): Record<string, unknown> {
  const entries: [string, unknown][] = [];
  for (const [key, value] of Object.entries(record)) {
    const target = map.get(headerKey(key));
    if (target === IGNORE) continue;
    entries.push([target ?? key, value]);
  }
  return Object.fromEntries(entries);
}

export function preparedRecords(options: PreparedOptions): PreparedRecords {
  let mapping: Mapping | undefined;
  /** A CSV file's mapping compiled: its rows come already keyed by field. */
  let builder: RecordBuilder | undefined;
  let preparer: Preparer | undefined;
  const onHeader = (columns: readonly string[]) => {
    mapping = resolveMapping(options.kind, columns, options.map ?? new Map());
    // Before the header check, so a file refused for a missing column still shows its mapping.
    options.onMapping?.(describeMapping(mapping), mapping);
    const fields = [
      ...mapping.byColumn.values(),
      ...Object.keys(mapping.defaults),
      ...Object.keys(mapping.copies),
    ];
    checkHeader(options.kind, fields, columns);
    if (options.format === 'csv') builder = compileMapping(mapping, columns);
  };
  const columnOf = (field: string) =>
    [...(mapping?.byColumn ?? [])].find(([, target]) => target === field)?.[0] ?? field;
  async function* rows(): AsyncGenerator<PreparedRow> {
    const held: ParsedRow[] = [];
    const mapped = (item: ParsedRow): ParsedRow => {
      if ('error' in item || builder) return item;
      if (mapping) return { line: item.line, record: applyMapping(mapping, item.record) };
      return options.map?.size ? { line: item.line, record: renameKeys(options.map, item.record) } : item;
    };
    const prepared = (item: ParsedRow): PreparedRow => {
      if ('error' in item) return item;
      preparer ??= new Preparer(options);
      return { line: item.line, record: item.record, problems: preparer.prepare(item.record) };
    };
    for await (const item of readRecords(options.input, options.format, {
      onHeader,
      builder: () => builder,
    })) {
      if (preparer) {
        yield prepared(mapped(item));
        continue;
      }
      held.push(mapped(item));
      if (held.length < SAMPLE_ROWS) continue;
      preparer = decide(held);
      for (const early of held.splice(0)) yield prepared(early);
    }
    preparer ??= decide(held);
    for (const item of held.splice(0)) yield prepared(item);
  }
  function decide(held: ParsedRow[]): Preparer {
    const records = held.flatMap((item) => ('record' in item ? [item.record] : []));
    const orders = options.dateFormat ? new Map() : decideOrders(options.kind, records, columnOf);
    return new Preparer(options, orders);
  }
  return { rows: rows(), zoned: () => preparer?.zoned ?? 0 };
}
