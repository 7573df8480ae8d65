/**
 * Which fields a row carries. A missing column or key, an empty cell, null, or an empty list
 * leaves the stored value alone (a file exported from another tool often has fewer columns or
 * blank cells, and must not wipe what is stored); the word `(clear)` clears the field on purpose.
 */
import { isBlank, ok, type Check } from './text.js';

/** The value that clears a field, in any letter case. */
const CLEAR = '(clear)';

export function isClear(value: unknown): boolean {
  return typeof value === 'string' && value.trim().toLowerCase() === CLEAR;
}

/** Nothing to apply: the stored value stays. */
export function isEmptyValue(value: unknown): boolean {
  return isBlank(value) || (Array.isArray(value) && value.length === 0);
}

/** undefined: not carried (keep); null: clear; otherwise `rule`'s checked value. */
export function carried<T>(
  value: unknown,
  rule: (value: unknown) => Check<T | null>,
): Check<T | null | undefined> {
  if (isEmptyValue(value)) return ok(undefined);
  if (isClear(value)) return ok(null);
  return rule(value);
}
