import type { RowError } from './types.js';

/** A rejected row as the CLI prints it: `line N: field: reason`. */
export function formatRowError(error: RowError): string {
  return `line ${error.line}: ${error.field}: ${error.reason}`;
}

/** An optional field left out of an imported row: `line N: field: reason (imported without it)`. */
export function formatRowWarning(warning: RowError): string {
  return `line ${warning.line}: ${warning.field}: ${warning.reason} (imported without it)`;
}
