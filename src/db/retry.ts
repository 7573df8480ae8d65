/**
 * A bounded retry for writes that lost a race for a lock, not for anything else.
 *
 * SQLite: `busy_timeout` (connect.ts) already waits up to 5 s for the write lock, and it covers
 * our claim (one statement) and every transaction whose first statement writes (the record,
 * planning). Still busy after that means another process held the lock longer — a large import,
 * a backup — so we wait a little and try again a few times before reporting the error.
 * Postgres: a deadlock or serialization failure aborts the whole transaction; running it again
 * is the documented remedy. Every operation retried here is idempotent or guarded.
 */
const SQLITE_BUSY = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_LOCKED']);
/** deadlock_detected, serialization_failure */
const PG_RETRYABLE = new Set(['40P01', '40001']);

export function isLockConflict(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code: unknown = Reflect.get(error, 'code');
  if (typeof code === 'string' && (SQLITE_BUSY.has(code) || PG_RETRYABLE.has(code))) return true;
  return /database is locked|database table is locked/i.test(error.message);
}

export interface LockRetryOptions {
  /** Tries in all, the first included. */
  attempts?: number;
  /** Wait before the second try; doubles, with jitter. */
  delayMs?: number;
}

export async function retryOnLockConflict<T>(
  fn: () => Promise<T>,
  options: LockRetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 4;
  const delayMs = options.delayMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !isLockConflict(error)) throw error;
      const wait = delayMs * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, wait / 2 + (Math.random() * wait) / 2));
    }
  }
}
