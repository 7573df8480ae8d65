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
