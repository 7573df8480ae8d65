/**
 * The line of each id an import has taken (to name the first line of a duplicate), kept
 * compact: the ids' characters in one growing typed array (a byte each while every id is
 * Latin-1, as exported ids almost always are; two bytes each from the first id that is not)
 * and an open-addressing table of entry numbers, so a million ids take some 30 MB that the
 * garbage collector never walks. A Map of a million strings took about three times that and
 * slowed every collection.
 */
import { randomInt } from 'node:crypto';

const EMPTY = -1;

function grown(array: Int32Array<ArrayBuffer>, needed: number): Int32Array<ArrayBuffer> {
  if (needed <= array.length) return array;
  const out = new Int32Array(Math.max(needed, array.length * 2));
  out.set(array);
  return out;
}

function isLatin1(id: string): boolean {
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0xff) return false;
  return true;
}

export class IdLines {
  private chars: Uint8Array<ArrayBuffer> | Uint16Array<ArrayBuffer> = new Uint8Array(1 << 16);
  private used = 0;
  /** Per entry: where its characters start, its line, its hash. */
  private starts = new Int32Array(1 << 12);
  private lines = new Int32Array(1 << 12);
  private hashes = new Int32Array(1 << 12);
  private count = 0;
  /** Slot → entry; at most half full. */
  private table = new Int32Array(1 << 13).fill(EMPTY);
  /** A per-import seed, so no file can be written to collide on purpose. */
  private readonly seed = randomInt(2 ** 31);

  get size(): number {
    return this.count;
  }

  get(id: string): number | undefined {
    const entry = this.find(id, this.hashOf(id));
    return entry === EMPTY ? undefined : this.lines[entry];
  }

  /** Records `id` at `line`; an id already recorded keeps its first line. */
  add(id: string, line: number): void {
    const hash = this.hashOf(id);
    if (this.find(id, hash) !== EMPTY) return;
    if ((this.count + 1) * 2 > this.table.length) this.rehash(this.table.length * 2);
    const entry = this.append(id, line, hash);
    this.table[this.freeSlot(hash)] = entry;
  }

  private hashOf(id: string): number {
    let h = this.seed ^ 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    return (h ^ (h >>> 15)) | 0;
  }

  private find(id: string, hash: number): number {
    const mask = this.table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.table[slot] ?? EMPTY;
      if (entry === EMPTY) return EMPTY;
      if (this.hashes[entry] === hash && this.equals(entry, id)) return entry;
    }
  }

  private freeSlot(hash: number): number {
    const mask = this.table.length - 1;
    let slot = hash & mask;
    while (this.table[slot] !== EMPTY) slot = (slot + 1) & mask;
    return slot;
  }

  private equals(entry: number, id: string): boolean {
    const start = this.starts[entry] ?? 0;
    const end = entry + 1 < this.count ? (this.starts[entry + 1] ?? 0) : this.used;
    if (end - start !== id.length) return false;
    for (let i = 0; i < id.length; i++) if (this.chars[start + i] !== id.charCodeAt(i)) return false;
    return true;
  }

  private append(id: string, line: number, hash: number): number {
    const wide = this.chars instanceof Uint8Array && !isLatin1(id);
    if (wide || this.used + id.length > this.chars.length) {
      const needed = this.used + id.length;
      const size = needed > this.chars.length ? Math.max(needed, this.chars.length * 2) : this.chars.length;
      const chars = wide || this.chars instanceof Uint16Array ? new Uint16Array(size) : new Uint8Array(size);
      chars.set(this.chars.subarray(0, this.used));
      this.chars = chars;
    }
    for (let i = 0; i < id.length; i++) this.chars[this.used + i] = id.charCodeAt(i);
    const entry = this.count++;
    this.starts = grown(this.starts, this.count);
    this.lines = grown(this.lines, this.count);
    this.hashes = grown(this.hashes, this.count);
    this.starts[entry] = this.used;
    this.lines[entry] = line;
    this.hashes[entry] = hash;
    this.used += id.length;
    return entry;
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size).fill(EMPTY);
    for (let entry = 0; entry < this.count; entry++) {
      this.table[this.freeSlot(this.hashes[entry] ?? 0)] = entry;
    }
  }
}
