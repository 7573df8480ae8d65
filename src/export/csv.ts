/**
 * CSV output that a spreadsheet opens safely. A cell that begins with `=`, `+`, `-`, `@`, a tab
 * or a carriage return would be run as a formula (OWASP "CSV injection"): it gets a leading `'`,
 * which spreadsheets show as text. Cells are quoted as RFC 4180 asks.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** A cell neutralised against formula execution. */
function neutralise(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** One cell, neutralised and quoted when it holds a comma, a quote or a line break. */
export function csvCell(value: string): string {
  const safe = neutralise(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV line (CRLF, as RFC 4180 and spreadsheets expect). */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
