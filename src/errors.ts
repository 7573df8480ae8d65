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

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failure: 1, usage: 2, rejectedRows: 3 } as const;

/**
 * The error as a person should read it in logs, /readyz and the CLI: knex prefixes a failed query's
 * message with its SQL (hundreds of placeholders for a batch); keep the driver's part and code.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cut = typeof code === 'string' ? error.message.lastIndexOf(' - ') : -1;
  const text = (cut >= 0 ? error.message.slice(cut + 3) : error.message).replace(/\s+/g, ' ').trim();
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}
