/**
 * What JSON can carry that a record must not hold, found in any key or value of a record from
 * JSON Lines or the API (CSV cells are text and have neither):
 *  - a whole number beyond 2^53. JSON.parse has already rounded it (9007199254740993 reads as
 *    9007199254740992), so storing it would quietly change an id. The rounding never brings such
 *    a number back under 2^53, so the parsed value still tells: it is not a safe integer.
 *  - a lone UTF-16 surrogate (`"\ud83d"` without its pair): not a character in any encoding, so
 *    it cannot be stored as UTF-8 or shown; it is refused, not mangled into U+FFFD.
 */
import type { RowError } from './types.js';

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** Deeper than this is refused by the validators anyway; the walk does not go further. */
const MAX_DEPTH = 32;
/** Problems reported per record: enough to fix a row, not a flood. */
const MAX_PROBLEMS = 10;

const UNSAFE_NUMBER_REASON =
  'is a whole number beyond 2^53, which JSON numbers cannot hold exactly (it reads as %s); send ids as strings';
const LONE_SURROGATE_REASON =
  'contains a lone UTF-16 surrogate (%s), which is not a character; send the text as UTF-8 or as a complete \\u pair';

/** Problems with a record's keys and values, each naming the field by its path (`data.items[2]`). */
export function jsonValueProblems(record: Record<string, unknown>, line: number): RowError[] {
  const problems: RowError[] = [];
  const stack: Array<{ path: string; value: unknown; depth: number }> = Object.entries(record)
    .reverse()
    .map(([key, value]) => ({ path: key, value, depth: 1 }));
  for (const [key] of Object.entries(record)) {
    if (LONE_SURROGATE.test(key)) problems.push({ line, field: shown(key), reason: surrogateReason(key) });
  }
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const { path, value, depth } = stack.pop() as (typeof stack)[number];
    const reason = valueProblem(value);
    if (reason) problems.push({ line, field: shown(path), reason });
    if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) continue;
    const entries = Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, inner] = entries[i] as [string, unknown];
      if (!Array.isArray(value) && LONE_SURROGATE.test(key)) {
        problems.push({ line, field: shown(`${path}.${key}`), reason: surrogateReason(key) });
      }
      stack.push({
        path: Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`,
        value: inner,
        depth: depth + 1,
      });
    }
  }
  return problems.slice(0, MAX_PROBLEMS);
}

function valueProblem(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    return UNSAFE_NUMBER_REASON.replace('%s', BigInt(value).toString());
  }
  if (typeof value === 'string' && LONE_SURROGATE.test(value)) return surrogateReason(value);
  return undefined;
}

function surrogateReason(text: string): string {
  const unit = (LONE_SURROGATE.exec(text)?.[0] ?? '').charCodeAt(0);
  return LONE_SURROGATE_REASON.replace('%s', `\\u${unit.toString(16)}`);
}

/** A field path as printed in `line N: field: reason`: lone surrogates escaped, so the line stays valid text. */
function shown(path: string): string {
  return path.replace(/[\uD800-\uDFFF]/gu, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}
