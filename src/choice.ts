/**
 * A string checked against a fixed list of choices (a kind, a status, a role), typed as the
 * choice it is: what a command line, a path or a form gives is a plain string until checked.
 */
import { AppError } from './errors.js';

/** True when `value` is one of `choices`. */
export function isOneOf<T extends string>(choices: readonly T[], value: unknown): value is T {
  return choices.some((choice) => choice === value);
}

/** `value` as one of `choices`; an E_USAGE error naming `what` and the choices otherwise. */
export function oneOf<T extends string>(choices: readonly T[], value: unknown, what: string): T {
  if (isOneOf(choices, value)) return value;
  throw new AppError('E_USAGE', `${what}: "${String(value)}" is not one of ${choices.join(', ')}`);
}
