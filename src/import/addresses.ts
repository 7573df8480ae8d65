/**
 * Customer records that share one inbox (addresses compared without letter case): within the
 * file, and against records already stored. They are imported; the import says so, because
 * scheduled and date mail goes to such an address once (to the record with the lowest id).
 */
import { addressKey } from '../address.js';
import { show } from './text.js';
import type { ImportStore, RowError } from './types.js';

const WHY = 'scheduled and date mail goes to this address once';

export class SharedAddresses {
  /** The first line and record of each address seen so far. */
  private readonly first = new Map<string, { line: number; id: string }>();
  private readonly ids = new Set<string>();

  /** Notes for one batch of good rows, in line order. */
  async check(
    store: ImportStore,
    rows: ReadonlyArray<{ line: number; value: { id: string; email: string } }>,
  ): Promise<RowError[]> {
    const notes: RowError[] = [];
    const fresh: Array<{ line: number; id: string; key: string }> = [];
    for (const { line, value } of rows) {
      const key = addressKey(value.email);
      this.ids.add(value.id);
      const first = this.first.get(key);
      if (first) {
        notes.push({
          line,
          field: 'email',
          reason: `same address as line ${first.line} (customer ${show(first.id)}); ${WHY}`,
        });
        continue;
      }
      this.first.set(key, { line, id: value.id });
      fresh.push({ line, id: value.id, key });
    }
    if (fresh.length === 0) return notes;
    const stored = await store.customersAtAddresses(fresh.map((f) => f.key));
    for (const { line, key } of fresh) {
      const others = (stored.get(key) ?? []).filter((id) => !this.ids.has(id));
      if (others.length === 0) continue;
      const names =
        others.slice(0, 3).map(show).join(', ') + (others.length > 3 ? ` and ${others.length - 3} more` : '');
      notes.push({ line, field: 'email', reason: `same address as stored customer ${names}; ${WHY}` });
    }
    return notes.sort((a, b) => a.line - b.line);
  }
}
