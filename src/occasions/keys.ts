/** Occasion keys: lower-case words joined by "-", as written in `on: { holiday: KEY }`. */

export const OCCASION_KEY = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The key of a holiday's English name: `Thanksgiving Day` → `thanksgiving-day`. */
export function slug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The keys a public holiday answers to: its name's, and the same without a trailing "day", so
 * that `thanksgiving` finds the United States' "Thanksgiving Day" and Canada's "Thanksgiving".
 */
export function holidayKeys(name: string): string[] {
  const key = slug(name);
  const short = key.replace(/-day$/, '');
  return short !== key && short !== '' ? [key, short] : [key];
}
