import { errnoCode } from './error-fields.js';

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

/** The message as thrown, newlines and all: for code that reads it (a parser's position), never shown as is. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** How a failed query's message starts: knex puts the SQL first, then " - ", then the driver's words. */
const SQL_START =
  /^\s*(select|insert|update|delete|with|create|alter|drop|pragma|begin|commit|rollback|savepoint|release|set|lock|truncate)\b/i;

/**
 * The error as a person should read it in logs, /readyz, the console, doctor and the CLI, on one
 * line: knex prefixes a failed query's message with its SQL (hundreds of placeholders for a
 * batch, and customers' values); keep the driver's part and code.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = errnoCode(error);
  const fromQuery = typeof code === 'string' && SQL_START.test(error.message);
  const cut = fromQuery ? error.message.lastIndexOf(' - ') : -1;
  const text = (cut >= 0 ? error.message.slice(cut + 3) : error.message).replace(/\s+/g, ' ').trim();
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}

/**
 * Only the first line of the message (a template error's own words, without the excerpt of the
 * template that follows); a failed query's is described as describeError does, without its SQL.
 */
export function describeErrorLine(error: unknown): string {
  if (!(error instanceof Error) || errnoCode(error) !== undefined) return describeError(error);
  return error.message.split('\n')[0] ?? error.message;
}
