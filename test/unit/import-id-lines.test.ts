/** The import's id → first line index: exact on every id, whatever the ids look like. */
import { describe, expect, it } from 'vitest';
import { IdLines } from '../../src/import/id-lines.js';

describe('IdLines', () => {
  it('finds every id it was given, at its first line, through many regrowths', () => {
    const index = new IdLines();
    const ids = Array.from({ length: 50_000 }, (_, i) => (i % 7 === 0 ? `Ünïcode-${i}-✓` : `c${i}`));
    ids.forEach((id, i) => index.add(id, i + 2));
    ids.forEach((id) => index.add(id, 999_999)); // a second sighting keeps the first line
    expect(index.size).toBe(ids.length);
    ids.forEach((id, i) => expect(index.get(id)).toBe(i + 2));
  });

  it('keeps every id when the first id beyond Latin-1 comes after many that fit in a byte', () => {
    const index = new IdLines();
    const ascii = Array.from({ length: 20_000 }, (_, i) => `customer-${i}`);
    const latin = Array.from({ length: 100 }, (_, i) => `Zoë-ÿ-${i}`);
    const wide = Array.from({ length: 100 }, (_, i) => `客户-${i}-✓`);
    const ids = [...ascii, ...latin, ...wide, ...ascii.map((id) => `${id}-again`)];
    ids.forEach((id, i) => index.add(id, i + 2));
    expect(index.size).toBe(ids.length);
    ids.forEach((id, i) => expect(index.get(id)).toBe(i + 2));
    // Same characters' low bytes, different ids: never mistaken for one another.
    expect(index.get('客户-0-✓'.replace('客', '\u00a2'))).toBeUndefined();
  });

  it('tells apart ids that are prefixes of each other, the empty id and ids never added', () => {
    const index = new IdLines();
    index.add('ab', 5);
    index.add('abc', 6);
    index.add('', 7);
    expect([index.get('ab'), index.get('abc'), index.get(''), index.get('a'), index.get('abcd')]).toEqual([
      5,
      6,
      7,
      undefined,
      undefined,
    ]);
  });
});
