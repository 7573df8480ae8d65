/**
 * "Did you mean …?" for misspelt variables and helpers: staff who edit templates fix a typo
 * faster when the message names the right spelling.
 */
import { resolveShape, type Shape } from './shape.js';

/** The closest valid spelling of `parts` below `base`, or undefined when nothing is close. */
export function suggestPath(base: Shape, parts: readonly string[]): string | undefined {
  const fixed: string[] = [];
  let current: Shape | undefined = base;
  for (const part of parts) {
    if (current === undefined) return undefined;
    let next = resolveShape(current, [part]);
    let spelled = part;
    if (next === undefined) {
      if (current.kind !== 'object') return undefined;
      const close = closest(part, Object.keys(current.fields));
      if (close === undefined) return undefined;
      next = resolveShape(current, [close]);
      spelled = close;
    }
    fixed.push(spelled);
    current = next;
  }
  return current === undefined ? undefined : fixed.join('.');
}

export function suggestHelper(name: string, helpers: readonly string[]): string | undefined {
  return closest(name, helpers);
}

/** The nearest candidate within a small edit distance (case ignored), if any. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance; the words are short identifiers, so the simple table is fine. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}
