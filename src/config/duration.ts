/**
 * Durations in config are written `90d`, `7d`, `1h`, `30m`, `45s`, `500ms`, or `0`;
 * several parts may be combined (`1d12h`). Returned in milliseconds.
 */
const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
} as const;
type Unit = keyof typeof UNIT_MS;
const isUnit = (text: string | undefined): text is Unit => text !== undefined && Object.hasOwn(UNIT_MS, text);

const PART = /(\d+)(ms|s|m|h|d|w)/gy;

export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  if (s === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(s); m; m = PART.exec(s)) {
    const unit = m[2];
    if (!isUnit(unit)) return undefined;
    total += Number(m[1]) * UNIT_MS[unit];
    consumed = PART.lastIndex;
  }
  return consumed === s.length ? total : undefined;
}

/** A duration as the config writes it: `5m`, `1h`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit];
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
