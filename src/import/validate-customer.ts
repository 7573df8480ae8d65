/**
 * One imported customer row → the fields it carries (a CustomerPatch), or the reasons it was
 * refused. What a row does not carry keeps its stored value (see carried.ts).
 */
import { birthday, calendarDate } from './dates.js';
import { email } from './email.js';
import { attributes } from './extra.js';
import { country, region } from './country.js';
import { flag, id, optional, tags } from './fields.js';
import { RowCheck } from './row.js';
import { type Check, fail, ok, text } from './text.js';
import type { CustomerPatch, Validation } from './types.js';
import { carried, isClear, isEmptyValue } from './carried.js';
import { locale, timeZone } from './zone.js';

export const CUSTOMER_COLUMNS: ReadonlySet<string> = new Set([
  'id',
  'email',
  'first_name',
  'last_name',
  'birthday',
  'timezone',
  'locale',
  'customer_since',
  'tags',
  'subscribed',
  'country',
  'region',
]);
export const CUSTOMER_REQUIRED = ['id', 'email'] as const;

const NAME = { max: 200 };

// The rules that need nothing from the row, made once rather than as closures for every row.
const nameRule = (value: unknown) => text(value, NAME);
const countryRule = (value: unknown) => optional(value, country);
const zoneRule = (value: unknown) => optional(value, timeZone);
const localeRule = (value: unknown) => optional(value, locale);

/**
 * Names are stored exactly as given (trimmed). Markup such as `<b>` or a spreadsheet
 * formula such as `=HYPERLINK("http://x","y")` is inert here: templates HTML-escape every
 * value and `rapport export` neutralises formulas in CSV cells, so rewriting it would only
 * corrupt names like `<Ann>` or `=Bob=`. Line breaks and other control characters are
 * refused, since a name can end up in a `To:` display name or a subject line.
 */
export function validateCustomer(
  record: Record<string, unknown>,
  line: number,
  now: number,
  strict = true,
): Validation<CustomerPatch> {
  const row = new RowCheck(line, strict);
  const countryCode = row.optional('country', carried(record.country, countryRule), undefined);
  const value: CustomerPatch = {
    id: row.required('id', id(record.id), ''),
    email: row.required('email', email(record.email), ''),
    first_name: row.optional('first_name', carried(record.first_name, nameRule), undefined),
    last_name: row.optional('last_name', carried(record.last_name, nameRule), undefined),
    birthday: row.optional(
      'birthday',
      carried(record.birthday, (v) => optional(v, (s) => birthday(s, now))),
      undefined,
    ),
    timezone: row.optional('timezone', carried(record.timezone, zoneRule), undefined),
    locale: row.optional('locale', carried(record.locale, localeRule), undefined),
    customer_since: row.optional(
      'customer_since',
      carried(record.customer_since, (v) => optional(v, (s) => calendarDate(s, now))),
      undefined,
    ),
    country: countryCode,
    region: row.optional(
      'region',
      carried(record.region, (v) => optional(v, (s) => region(s, countryCode ?? null))),
      undefined,
    ),
    tags:
      row.optional('tags', carried(record.tags, tags), undefined) ?? (isClear(record.tags) ? [] : undefined),
    // Consent is never guessed: a value that is not a known yes or no refuses the row.
    subscribed: row.take('subscribed', subscribed(record.subscribed), undefined),
    attributes: attributes(record, CUSTOMER_COLUMNS, row),
  };
  return row.result(value);
}

/** Carried only when given; it cannot be cleared, only set. */
function subscribed(value: unknown): Check<boolean | undefined> {
  if (isClear(value)) return fail(`cannot be cleared; write true or false`);
  if (isEmptyValue(value)) return ok(undefined);
  return flag(value, true);
}
