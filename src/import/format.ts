import type { RowError } from './types.js';

/** A rejected row as the CLI prints it: `line N: field: reason`. */
export function formatRowError(error: RowError): string {
  return `line ${error.line}: ${error.field}: ${error.reason}`;
}
