/** Small helpers shared by the table modules: JSON columns, booleans, chunking. */

export function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function toBool(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Month and day as one sortable integer (MMDD) from `YYYY-MM-DD` or `MM-DD`. */
export function monthDayKey(date: string | null): number | null {
  if (!date) return null;
  const m = /(\d\d)-(\d\d)$/.exec(date);
  return m ? Number(m[1]) * 100 + Number(m[2]) : null;
}

/** IN-lists are chunked so a query never exceeds SQLite's or Postgres's bound-parameter limit. */
export const IN_CHUNK = 500;
