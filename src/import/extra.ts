/**
 * Columns beyond the known ones: customer attributes (kept as text) and event data (kept
 * with their JSON types). Values may hold tabs and line breaks — a multi-line address or
 * note is ordinary spreadsheet content, and such values only ever reach a message through
 * templates that escape them, never a mail header — but no other control character.
 */
import { keyProblem } from './fields.js';
import { hasControl, MULTILINE_ALLOWED, NOT_UTF8_REASON, CONTROL_MULTILINE_REASON } from './text.js';
import type { RowCheck } from './row.js';
import { isClear } from './carried.js';

const ATTRIBUTE_MAX = 2000;
const EXTRA_COLUMNS_MAX = 200;
const DATA_JSON_MAX = 16_000;

function stringProblem(value: string): string | undefined {
  if (hasControl(value, MULTILINE_ALLOWED)) return CONTROL_MULTILINE_REASON;
  if (value.includes('\ufffd')) return NOT_UTF8_REASON;
  if (value.length > ATTRIBUTE_MAX)
    return `is too long (${value.length} characters; at most ${ATTRIBUTE_MAX})`;
  return undefined;
}

/** The problem with any string nested in a JSON value, or undefined. */
function nestedProblem(value: unknown, depth = 0): string | undefined {
  if (depth > 8) return 'is nested too deeply';
  if (typeof value === 'string') return stringProblem(value);
  if (value === null || typeof value !== 'object') return undefined;
  for (const item of Object.values(value)) {
    const problem = nestedProblem(item, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** Unknown columns with a value: empty strings and nulls are left out. */
function extraEntries(record: Record<string, unknown>, known: ReadonlySet<string>, row: RowCheck) {
  const entries: [string, unknown][] = [];
  for (const [key, value] of Object.entries(record)) {
    if (known.has(key)) continue;
    // CSV headers are compared without case; a JSON Lines key written "Birthday" would otherwise
    // become an attribute while the birthday stays unset.
    const column = key.trim().toLowerCase();
    if (known.has(column)) {
      row.add(key, `is the column "${column}": write the key in lower case`);
      continue;
    }
    const keyIssue = keyProblem(key);
    if (keyIssue) row.add(key, keyIssue);
    else if (value !== null && value !== undefined && value !== '') entries.push([key, value]);
  }
  if (entries.length > EXTRA_COLUMNS_MAX) {
    row.add('(record)', `has ${entries.length} extra columns; at most ${EXTRA_COLUMNS_MAX} are kept`);
  }
  return entries;
}

/**
 * Customer attributes: every unknown column as text (lists and objects as JSON text); blank
 * ones are left out (the stored value stays), and `(clear)` (null here) removes the attribute.
 */
export function attributes(
  record: Record<string, unknown>,
  known: ReadonlySet<string>,
  row: RowCheck,
): Record<string, string | null> {
  const kept: [string, string | null][] = [];
  for (const [key, value] of extraEntries(record, known, row)) {
    if (isClear(value)) {
      kept.push([key, null]);
      continue;
    }
    const raw = typeof value === 'string' ? value : JSON.stringify(value);
    const problem = stringProblem(raw);
    if (problem) row.drop(key, problem);
    else if (raw.trim() !== '') kept.push([key, typeof value === 'string' ? raw.trim() : raw]);
  }
  // fromEntries defines own properties, so even odd keys cannot reach a prototype.
  return Object.fromEntries(kept);
}

/** Event data: every unknown column, strings trimmed, JSON values kept as they are. */
export function eventData(
  record: Record<string, unknown>,
  known: ReadonlySet<string>,
  row: RowCheck,
): Record<string, unknown> {
  const kept: [string, unknown][] = [];
  for (const [key, value] of extraEntries(record, known, row)) {
    const problem = nestedProblem(value);
    if (problem) row.add(key, problem);
    else if (typeof value !== 'string') kept.push([key, value]);
    else if (value.trim() !== '') kept.push([key, value.trim()]);
  }
  const data = Object.fromEntries(kept);
  const size = JSON.stringify(data).length;
  if (size > DATA_JSON_MAX) {
    row.add('(record)', `the extra columns hold ${size} characters; at most ${DATA_JSON_MAX} are kept`);
  }
  return data;
}
