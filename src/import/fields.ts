/** Field rules shared by customers, events and content. */
import { type Check, fail, hasControl, ok, show, text } from './text.js';

const ID_MAX = 200;
const TAG_MAX = 64;
const TAGS_MAX = 100;

/** An id: trimmed, non-empty, at most `max` characters, no control characters. */
export function id(value: unknown, max = ID_MAX): Check<string | null> {
  return text(value, { max });
}

/**
 * Tags: text separated by `;` or `,` (or, in JSON Lines, a list of strings); trimmed, quotes
 * around a tag dropped (`"Regulars","Wholesale"`), empties dropped, duplicates dropped without
 * regard to case (first spelling kept, order kept), each at most 64 characters.
 */
export function tags(value: unknown): Check<string[]> {
  if (value === undefined || value === null) return ok([]);
  let parts: unknown[];
  if (typeof value === 'string') parts = value.split(/[;,]/);
  else if (Array.isArray(value)) parts = value;
  else return fail('must be text such as "vip;newsletter" or a list of strings');
  const out = new Map<string, string>();
  for (const part of parts) {
    if (typeof part !== 'string') return fail('must be a list of strings');
    if (hasControl(part)) return fail(`tag ${show(part)} contains a line break or control character`);
    const tag = part
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim();
    if (tag === '') continue;
    if (tag.length > TAG_MAX) return fail(`tag ${show(tag)} is longer than ${TAG_MAX} characters`);
    if (!out.has(tag.toLowerCase())) out.set(tag.toLowerCase(), tag);
  }
  if (out.size > TAGS_MAX) return fail(`has ${out.size} tags; at most ${TAGS_MAX} are allowed`);
  return ok([...out.values()]);
}

const TRUE_WORDS = new Set(['true', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'no', '0']);

/** A yes/no flag: true/false/yes/no/1/0 in any case, or a JSON boolean; empty → `fallback`. */
export function flag(value: unknown, fallback: boolean): Check<boolean> {
  if (typeof value === 'boolean') return ok(value);
  if (value === 1 || value === 0) return ok(value === 1);
  if (value === undefined || value === null) return ok(fallback);
  if (typeof value !== 'string') return fail('must be true or false');
  const word = value.trim().toLowerCase();
  if (word === '') return ok(fallback);
  if (TRUE_WORDS.has(word)) return ok(true);
  if (FALSE_WORDS.has(word)) return ok(false);
  return fail(`${show(value)} is not true or false (use true/false, yes/no or 1/0)`);
}

const KEY = /^[a-z0-9_][a-z0-9_.-]{0,63}$/i;

/**
 * Why a column name cannot be kept as an attribute or event data key, or undefined when it
 * can. `__proto__` is refused so no later `Object.assign` can be tricked into a prototype write.
 */
export function keyProblem(key: string): string | undefined {
  if (key === '__proto__') return `${show(key)} is a reserved name; rename the column`;
  if (KEY.test(key)) return undefined;
  return (
    `${show(key)} is not a usable column name: use up to 64 letters, digits, "_", "." or "-" ` +
    '(starting with a letter, digit or "_"), e.g. favourite_drink'
  );
}

/** An optional text field, checked by `rule` when present. */
export function optional<T>(value: unknown, rule: (text: string) => Check<T>, max = 200): Check<T | null> {
  const raw = text(value, { max });
  if (!raw.ok) return raw;
  if (raw.value === null) return ok(null);
  return rule(raw.value);
}
