/** The columns of each import kind, and the check of a CSV header against them. */
import { keyProblem } from './fields.js';
import { unreadable } from './input.js';
import type { ImportKind } from './types.js';
import { CONTENT_COLUMNS, CONTENT_REQUIRED } from './validate-content.js';
import { CUSTOMER_COLUMNS, CUSTOMER_REQUIRED } from './validate-customer.js';
import { EVENT_COLUMNS, EVENT_REQUIRED } from './validate-event.js';

export const COLUMNS: Record<
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
 * Refuses a CSV or Excel file whose mapped columns lack a required field: every row would be
 * refused for the same reason, so one message says it once. `fields` are the columns' targets
 * after the mapping, `columns` the headers as written.
 */
export function checkHeader(kind: ImportKind, fields: readonly string[], columns: readonly string[]): void {
  const { known, required, keepsExtra } = COLUMNS[kind];
  const present = new Set(fields);
  // An order export names its customer by email address.
  if (kind === 'events' && present.has('customer_email')) present.add('customer_id');
  const missing = required.filter((name) => !present.has(name));
  if (missing.length > 0) {
    const found = columns
      .slice(0, 12)
      .map((c) => `"${c}"`)
      .join(', ');
    const example = missing[0] ?? 'email';
    throw unreadable(
      `the header row (line 1) has no ${missing.map((c) => `"${c}"`).join(', ')} column; ` +
        `${kind} files need ${required.join(', ')} (found: ${found})${separatorHint(columns)}; ` +
        `name the column with --map "Your Header=${example}"`,
    );
  }
  if (!keepsExtra) return;
  for (const field of fields) {
    const problem = known.has(field) ? undefined : keyProblem(field);
    if (problem) throw unreadable(`the header row (line 1): column ${problem}`);
  }
}
