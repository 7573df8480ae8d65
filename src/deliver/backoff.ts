/** When to try a temporarily failed message again: exponential, jittered, capped. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * attempts is the number of attempts made so far (1 after the first failure).
 * Full jitter in [delay/2, delay] keeps many failed messages from retrying in lock-step.
 */
export function nextAttemptDelay(policy: BackoffPolicy, attempts: number, random: () => number): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}
