/**
 * Customer records that share one inbox (addresses compared without letter case): within the
 * file, and against records already stored. They are imported; the import says so, because
 * scheduled and date mail goes to such an address once (to the record with the lowest id).
 *
 * Memory does not grow with the file: rows of earlier batches are already stored, so the
 * store's records at an address, less the current batch's, tell which earlier line had it
 * (the import's own id → line index names the line). Only a dry run, which stores nothing,
 * keeps each address's first record in memory.
 */
import { addressKey } from '../address.js';
import { show } from './text.js';
import type { ImportStore, RowError } from './types.js';

const WHY = 'scheduled and date mail goes to this address once';

interface First {
  line: number;
  id: string;
}

/** A batch's check before the store is asked (SharedAddresses.screen). */
export interface AddressScreen {
  notes: RowError[];
  fresh: Array<{ line: number; key: string }>;
  batchIds: ReadonlySet<string>;
  lastLine: number;
}

export class SharedAddresses {
  /** Dry runs only: the first record of each address seen so far. */
  private readonly first = new Map<string, string>();

  /**
   * @param lineOf the line of a record this import has taken (undefined: not in the file so far)
   * @param remember whether earlier batches are not stored (a dry run)
   */
  constructor(
    private readonly lineOf: (id: string) => number | undefined,
    private readonly remember: boolean,
  ) {}

  /** Notes for one batch of good rows (before it is stored), in line order. */
  async check(
    store: ImportStore,
    rows: ReadonlyArray<{ line: number; value: { id: string; email: string } }>,
  ): Promise<RowError[]> {
    const screen = this.screen(rows);
    if (screen.fresh.length === 0) return screen.notes;
    return this.against(screen, await store.customersAtAddresses(screen.fresh.map((f) => f.key)));
  }

  /**
   * The part of a batch's check that needs no store: the notes for addresses seen earlier in the
   * file, and the addresses to look up among the stored records (`fresh`).
   */
  screen(rows: ReadonlyArray<{ line: number; value: { id: string; email: string } }>): AddressScreen {
    const notes: RowError[] = [];
    const inBatch = new Map<string, First>();
    const fresh: Array<{ line: number; key: string }> = [];
    for (const { line, value } of rows) {
      const key = addressKey(value.email);
      const earlier = inBatch.get(key) ?? this.remembered(key);
      if (earlier) {
        notes.push(sameAsLine(line, earlier));
        continue;
      }
      inBatch.set(key, { line, id: value.id });
      fresh.push({ line, key });
    }
    if (this.remember) for (const [key, { id }] of inBatch) this.first.set(key, id);
    const batchIds = new Set(rows.map((row) => row.value.id));
    return { notes, fresh, batchIds, lastLine: rows.at(-1)?.line ?? 0 };
  }

  /**
   * The batch's notes, given the stored records at its fresh addresses as they were before the
   * batch was written. The file's ids count up to the batch's last line only, so the notes are
   * the same when they are made after later rows were read (a writer thread's batches).
   */
  against(screen: AddressScreen, stored: ReadonlyMap<string, readonly string[]>): RowError[] {
    const notes = [...screen.notes];
    const lineOf = (id: string) => {
      const line = this.lineOf(id);
      return line !== undefined && line <= screen.lastLine ? line : undefined;
    };
    for (const { line, key } of screen.fresh) {
      const ids = (stored.get(key) ?? []).filter((id) => !screen.batchIds.has(id));
      // A dry run stored no earlier batch: the file's records found here are as they were.
      const note = this.remember ? undefined : earliestInFile(ids, lineOf);
      const others = ids.filter((id) => lineOf(id) === undefined);
      if (note) notes.push(sameAsLine(line, note));
      else if (others.length > 0) notes.push(sameAsStored(line, others));
    }
    return notes.sort((a, b) => a.line - b.line);
  }

  private remembered(key: string): First | undefined {
    const id = this.first.get(key);
    const line = id === undefined ? undefined : this.lineOf(id);
    return id === undefined || line === undefined ? undefined : { line, id };
  }
}

/** The stored record an earlier batch of this file wrote at the address (its first line). */
function earliestInFile(
  ids: readonly string[],
  lineOf: (id: string) => number | undefined,
): First | undefined {
  let best: First | undefined;
  for (const id of ids) {
    const line = lineOf(id);
    if (line !== undefined && (best === undefined || line < best.line)) best = { line, id };
  }
  return best;
}

function sameAsLine(line: number, first: First): RowError {
  return {
    line,
    field: 'email',
    reason: `same address as line ${first.line} (customer ${show(first.id)}); ${WHY}`,
  };
}

function sameAsStored(line: number, others: readonly string[]): RowError {
  const names =
    others.slice(0, 3).map(show).join(', ') + (others.length > 3 ? ` and ${others.length - 3} more` : '');
  return { line, field: 'email', reason: `same address as stored customer ${names}; ${WHY}` };
}
