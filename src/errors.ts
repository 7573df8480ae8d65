/**
 * An error a person can act on: a stable `code` for programs and logs, and a message
 * that says what went wrong and what to do about it.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Exit codes shared by every command (CONTRACT.md). */
export const EXIT = { ok: 0, failure: 1, usage: 2, rejectedRows: 3 } as const;
