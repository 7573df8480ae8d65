/**
 * The rows of an import file, each read, prepared and checked on its own: what an import can
 * learn about a row without the rows before it or the store. Pure of any database, so it runs
 * in a worker thread for a large file (rows-thread.ts) as well as inline.
 */
import { jsonValueProblems } from './json-values.js';
import { DATE_FIELDS, type FieldProblem } from './prepare.js';
import { preparedRecords, type PreparedOptions } from './prepared.js';
import { type ImportFormat, type ImportKind, RECORD_FIELD, type RowError, type Validation } from './types.js';
import { validateContent } from './validate-content.js';
import { validateCustomer } from './validate-customer.js';
import { validateEvent } from './validate-event.js';

export type Validate<T> = (
  record: Record<string, unknown>,
  line: number,
  now: number,
  strict: boolean,
) => Validation<T>;

/** Each kind's row check. */
export const VALIDATORS: Record<ImportKind, Validate<{ id: string }>> = {
  customers: validateCustomer,
  events: (record, line, now) => validateEvent(record, line, now),
  content: (record, line) => validateContent(record, line),
};

/**
 * A validator that first refuses what JSON can carry but a record must not hold (json-values.ts).
 * A CSV file's records need no such walk: every value is text decoded from UTF-8 (no numbers,
 * no lone surrogates), so its rows are checked by the kind's validator alone.
 */
function refusingJsonEdges<T>(validate: Validate<T>): Validate<T> {
  return (record, line, now, strict) => {
    const errors = jsonValueProblems(record, line);
    return errors.length > 0 ? { errors } : validate(record, line, now, strict);
  };
}

export function validatorFor<T>(validate: Validate<T>, format: ImportFormat | 'api'): Validate<T> {
  return format === 'csv' ? validate : refusingJsonEdges(validate);
}

/** One row checked: refused with its problems, or its value and the optional fields left out. */
export type CheckedRow<T> =
  { line: number; errors: RowError[] } | { line: number; value: T; warnings: RowError[] | undefined };

export interface CheckOptions extends PreparedOptions {
  now: number;
  strict: boolean;
}

export interface CheckedRows<T> {
  rows: AsyncIterable<CheckedRow<T>>;
  /** How many values were read in the business zone for want of an offset (so far). */
  zoned(): number;
}

/** Fields whose bad value leaves the row imported without it (unless strict). */
function optionalDateFields(kind: ImportKind): Set<string> {
  return kind === 'customers' ? new Set(Object.keys(DATE_FIELDS.customers)) : new Set();
}

/**
 * The problems the preparation found: an optional field is removed from the record (and
 * warned about), anything else refuses the row.
 */
function sortProblems(
  optional: ReadonlySet<string>,
  record: Record<string, unknown>,
  problems: FieldProblem[],
  line: number,
  strict: boolean,
) {
  const errors: RowError[] = [];
  const warnings: RowError[] = [];
  for (const { field, reason } of problems) {
    if (optional.has(field) && !strict) {
      delete record[field];
      warnings.push({ line, field, reason });
    } else errors.push({ line, field, reason });
  }
  return { errors, warnings };
}

/** Every row of the file checked, in order. Throws AppError E_IMPORT_UNREADABLE as reading does. */
export function checkedRows<T>(options: CheckOptions): CheckedRows<T> {
  const { kind, now, strict } = options;
  const source = preparedRecords(options);
  const validate = validatorFor(VALIDATORS[kind] as Validate<T>, options.format);
  const optional = optionalDateFields(kind);
  async function* rows(): AsyncGenerator<CheckedRow<T>> {
    for await (const item of source.rows) {
      if ('error' in item) {
        yield { line: item.line, errors: [{ line: item.line, field: RECORD_FIELD, reason: item.error }] };
        continue;
      }
      const early = sortProblems(optional, item.record, item.problems, item.line, strict);
      const result = validate(item.record, item.line, now, strict);
      if ('errors' in result || early.errors.length > 0) {
        // The preparation's reason for a field says more than the row check's about the same value.
        const named = new Set(early.errors.map((e) => e.field));
        const later = 'errors' in result ? result.errors.filter((e) => !named.has(e.field)) : [];
        yield { line: item.line, errors: [...early.errors, ...later] };
        continue;
      }
      const warnings =
        early.warnings.length > 0 || result.warnings
          ? [...early.warnings, ...(result.warnings ?? [])]
          : undefined;
      yield { line: item.line, value: result.value, warnings };
    }
  }
  return { rows: rows(), zoned: () => source.zoned() };
}
