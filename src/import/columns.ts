/** The columns of each import kind, and the check of a CSV header against them. */
import { keyProblem } from './fields.js';
import { unreadable } from './input.js';
import type { ImportKind } from './types.js';
import { CONTENT_COLUMNS, CONTENT_REQUIRED } from './validate-content.js';
import { CUSTOMER_COLUMNS, CUSTOMER_REQUIRED } from './validate-customer.js';
import { EVENT_COLUMNS, EVENT_REQUIRED } from './validate-event.js';

const COLUMNS: Record<
  ImportKind,
  { known: ReadonlySet<string>; required: readonly string[]; keepsExtra: boolean }
> = {
  customers: { known: CUSTOMER_COLUMNS, required: CUSTOMER_REQUIRED, keepsExtra: true },
  events: { known: EVENT_COLUMNS, required: EVENT_REQUIRED, keepsExtra: true },
  // Content has a fixed shape: other columns are ignored.
  content: { known: CONTENT_COLUMNS, required: CONTENT_REQUIRED, keepsExtra: false },
};

function separatorHint(columns: readonly string[]): string {
  const only = columns.length === 1 ? (columns[0] ?? '') : '';
  if (only.includes(';')) return '; the file seems to use ";" between values: save it as comma-separated CSV';
  if (only.includes('\t'))
    return '; the file seems to use tabs between values: save it as comma-separated CSV';
  return '';
}

/**
 * Refuses a CSV file whose header lacks a required column or names a column that could not
 * be kept: every row would be refused for the same reason, so one message says it once.
 */
export function checkHeader(kind: ImportKind, columns: readonly string[]): void {
  const { known, required, keepsExtra } = COLUMNS[kind];
  const missing = required.filter((name) => !columns.includes(name));
  if (missing.length > 0) {
    const found = columns
      .slice(0, 12)
      .map((c) => `"${c}"`)
      .join(', ');
    throw unreadable(
      `the header row (line 1) has no ${missing.map((c) => `"${c}"`).join(', ')} column; ` +
        `${kind} files need ${required.join(', ')} (found: ${found})${separatorHint(columns)}`,
    );
  }
  if (!keepsExtra) return;
  for (const column of columns) {
    const problem = known.has(column) ? undefined : keyProblem(column);
    if (problem) throw unreadable(`the header row (line 1): column ${problem}`);
  }
}
