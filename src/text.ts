/**
 * A value as text for messages and pages: strings as they are, numbers and booleans written out,
 * anything else (a list or an object from hostile input) as JSON rather than "[object Object]".
 */
export function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === null || value === undefined) return '';
  return JSON.stringify(value) ?? '';
}
