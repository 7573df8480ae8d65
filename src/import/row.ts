/** Collects the problems of one row while its fields are checked one by one. */
import type { RowError, Validation } from './types.js';
import type { Check } from './text.js';

export class RowCheck {
  readonly errors: RowError[] = [];

  constructor(readonly line: number) {}

  add(field: string, reason: string): void {
    this.errors.push({ line: this.line, field, reason });
  }

  /** The checked value, or `fallback` after recording why it was refused. */
  take<T>(field: string, check: Check<T>, fallback: T): T {
    if (check.ok) return check.value;
    this.add(field, check.reason);
    return fallback;
  }

  /** Like `take`, and a missing (null) value is an error too. */
  required<T>(field: string, check: Check<T | null>, fallback: T): T {
    const value = this.take(field, check, null);
    if (value !== null) return value;
    if (check.ok) this.add(field, 'is required');
    return fallback;
  }

  /** The row's value when nothing was refused; otherwise its errors. */
  result<T>(value: T): Validation<T> {
    return this.errors.length > 0 ? { errors: this.errors } : { value };
  }
}
