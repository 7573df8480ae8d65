import { describe, expect, it } from 'vitest';
import { applyMapping, compileMapping, resolveMapping } from '../../src/import/mapping.js';
import type { ImportKind } from '../../src/import/types.js';

/** What the generic path makes of one row: keyed by header, then mapped. */
function generic(kind: ImportKind, columns: string[], map: Map<string, string>, cells: string[]) {
  const mapping = resolveMapping(kind, columns, map);
  const record = Object.fromEntries(columns.map((name, i) => [name, cells[i] ?? '']));
  return applyMapping(mapping, record);
}

function compiled(kind: ImportKind, columns: string[], map: Map<string, string>, cells: string[]) {
  const build = compileMapping(resolveMapping(kind, columns, map), columns);
  if (!build) throw new Error('not compiled');
  return build(cells);
}

describe('compileMapping', () => {
  const cases: Array<[string, ImportKind, string[], Map<string, string>, string[]]> = [
    [
      'recognised headers, an attribute, an ignored column',
      'customers',
      ['Customer ID', 'Email Address', 'First Name', 'Notes', 'Total Spent'],
      new Map([['notes', '-']]),
      ['c1', 'Ann@Example.com', 'Ann', 'skip me', '12.50'],
    ],
    [
      'no id column: the id is the lower-cased address',
      'customers',
      ['Email', 'Favourite Drink'],
      new Map(),
      ['  Ann@Example.COM ', 'tea'],
    ],
    [
      'integer-like headers come first, as in a header-keyed record',
      'customers',
      ['id', 'email', '2024', '7', 'b'],
      new Map(),
      ['c1', 'a@example.com', 'x', 'y', 'z'],
    ],
    [
      'events without a type column',
      'events',
      ['customer_id', 'occurred_at'],
      new Map(),
      ['c1', '2026-01-01'],
    ],
    ['a short row', 'customers', ['id', 'email', 'tags'], new Map(), ['c1']],
  ];
  it.each(cases)('builds the same record, in the same key order: %s', (_, kind, columns, map, cells) => {
    const expected = generic(kind, columns, map, cells);
    const got = compiled(kind, columns, map, cells);
    expect(got).toEqual(expected);
    expect(Object.keys(got)).toEqual(Object.keys(expected));
  });

  it('leaves a mapping to __proto__ to the generic path', () => {
    const columns = ['id', 'email', 'x'];
    const mapping = resolveMapping('customers', columns, new Map([['x', '__proto__']]));
    expect(compileMapping(mapping, columns)).toBeUndefined();
  });
});
