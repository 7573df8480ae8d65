/** Country (ISO 3166-1 alpha-2) and region (ISO 3166-2 subdivision, without the country) fields. */
import { type Check, fail, ok, show } from './text.js';

const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
/** Codes ICU names that are not countries: unknown, unions, pseudo-locales, and the UK alias of GB. */
const NOT_COUNTRIES = new Set(['ZZ', 'EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'UK']);

/** A two-letter country code, upper-cased: `us` → `US`. */
export function country(value: string): Check<string> {
  const code = value.trim().toUpperCase();
  if (/^[A-Z]{2}$/.test(code) && !NOT_COUNTRIES.has(code) && names.of(code) !== undefined) return ok(code);
  return fail(`${show(value)} is not an ISO 3166-1 country code (two letters, e.g. US, CA, GR)`);
}

/**
 * A subdivision code such as `ON` or `NSW`, upper-cased. The ISO 3166-2 form with its country
 * (`CA-ON`) is accepted and stored without it when it names the customer's own country.
 */
export function region(value: string, countryCode: string | null): Check<string> {
  let code = value.trim().toUpperCase();
  const [, prefix, rest] = /^([A-Z]{2})-(.+)$/.exec(code) ?? [];
  if (prefix !== undefined && rest !== undefined) {
    if (countryCode !== null && prefix !== countryCode) {
      return fail(`${show(value)} is a region of ${prefix}, not of the customer's country ${countryCode}`);
    }
    code = rest;
  }
  if (/^[A-Z0-9]{1,3}$/.test(code)) return ok(code);
  return fail(
    `${show(value)} is not an ISO 3166-2 subdivision code (e.g. ON for Ontario, NSW for New South Wales)`,
  );
}
