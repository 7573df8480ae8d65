/** Collects the problems of one row while its fields are checked one by one. */
import type { RowError, Validation } from './types.js';
import type { Check } from './text.js';

export class RowCheck {
  readonly errors: RowError[] = [];
  /** Optional fields left out of a row that is still imported (only when not strict). */
  readonly warnings: RowError[] = [];

  /** `strict`: a bad optional field refuses the row, as a bad required one does. */
  constructor(
    readonly line: number,
    readonly strict = true,
  ) {}

  /** An optional field's value is refused: the row goes on without it unless strict. */
  drop(field: string, reason: string): void {
    if (this.strict) this.add(field, reason);
    else this.warnings.push({ line: this.line, field, reason });
  }

  /** Like `take`, for an optional field: a bad value is dropped (see `drop`). */
  optional<T>(field: string, check: Check<T>, fallback: T): T {
    if (check.ok) return check.value;
    this.drop(field, check.reason);
    return fallback;
  }

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
    if (this.errors.length > 0) return { errors: this.errors };
    return this.warnings.length > 0 ? { value, warnings: this.warnings } : { value };
  }
}
