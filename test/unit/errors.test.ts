import { describe, expect, it } from 'vitest';
import { describeError, describeErrorLine, errorMessage } from '../../src/errors.js';

/** A failed query as knex reports it: the SQL with its values, " - ", then the driver's words. */
function queryError(sql: string, driver: string, code: string): Error {
  return Object.assign(new Error(`${sql} - ${driver}`), { code });
}

describe('describeError', () => {
  it("keeps a failed query's driver message and code, never its SQL or values", () => {
    const error = queryError(
      "update `deliveries` set `status` = 'sent' where `id` in (1, 2) and `email` = 'ann@example.com'",
      'database or disk is full',
      'SQLITE_FULL',
    );
    expect(describeError(error)).toBe('database or disk is full (SQLITE_FULL)');
    expect(describeErrorLine(error)).toBe('database or disk is full (SQLITE_FULL)');
  });

  it('leaves a message that is not a query whole, " - " and all', () => {
    const error = Object.assign(new Error("ENOENT: no such file or directory, open 'a - b.csv'"), {
      code: 'ENOENT',
    });
    expect(describeError(error)).toBe("ENOENT: no such file or directory, open 'a - b.csv'");
  });

  it('puts a multi-line message on one line; the line form keeps only the first', () => {
    const error = new Error('Parse error on line 3:\n...{{#if x}\n-----^');
    expect(describeError(error)).toBe('Parse error on line 3: ...{{#if x} -----^');
    expect(describeErrorLine(error)).toBe('Parse error on line 3:');
    expect(errorMessage(error)).toBe('Parse error on line 3:\n...{{#if x}\n-----^');
  });

  it('describes what is not an Error by its string', () => {
    expect(describeError('plain')).toBe('plain');
    expect(describeErrorLine(42)).toBe('42');
  });
});
