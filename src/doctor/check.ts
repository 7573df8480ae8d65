/** One line of `rapport doctor`: what was checked, how it went, what was seen, what to do. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  check: string;
  status: CheckStatus;
  detail: string;
  /** What to do about it; null when nothing is needed. */
  fix: string | null;
}

export const pass = (check: string, detail: string): CheckResult => ({
  check,
  status: 'pass',
  detail,
  fix: null,
});
export const warn = (check: string, detail: string, fix: string): CheckResult => ({
  check,
  status: 'warn',
  detail,
  fix,
});
export const fail = (check: string, detail: string, fix: string): CheckResult => ({
  check,
  status: 'fail',
  detail,
  fix,
});
