/**
 * The frequency cap: at most `max` non-transactional messages per customer in any `per`.
 * Pure; the worker (with the books) and the forecast (with its virtual outbox) both use it.
 */
export interface FrequencyCap {
  max: number;
  per: number;
}

/**
 * The earliest instant at or after `at` when one more message fits under the cap, given the
 * instants of messages already sent (at or before `at`). A sent message counts in (t - per, t].
 */
function nextAllowed(sent: readonly number[], at: number, cap: FrequencyCap): number {
  const recent = sent.filter((t) => t > at - cap.per && t <= at).sort((a, b) => a - b);
  if (recent.length < cap.max) return at;
  const oldest = recent[recent.length - cap.max] ?? at;
  return oldest + cap.per;
}

export type CapDecision = { kind: 'send' } | { kind: 'defer'; until: number } | { kind: 'skip' };

/**
 * What to do with a message due at `dueAt`, considered at `at`: send it, defer it to when the
 * cap allows (moved into the send window by `window`), or skip it when that would be later
 * than `maxLateness` after it was due.
 */
export function capDecision(
  sent: readonly number[],
  at: number,
  dueAt: number,
  cap: FrequencyCap,
  maxLateness: number,
  window: (instant: number) => number = (t) => t,
): CapDecision {
  const next = nextAllowed(sent, at, cap);
  if (next <= at) return { kind: 'send' };
  const until = window(next);
  return until - dueAt > maxLateness ? { kind: 'skip' } : { kind: 'defer', until };
}
