/** One imported customer row → a CustomerInput, or the reasons it was refused. */
import { birthday, calendarDate } from './dates.js';
import { email } from './email.js';
import { attributes } from './extra.js';
import { flag, id, optional, tags } from './fields.js';
import { RowCheck } from './row.js';
import { text } from './text.js';
import type { CustomerInput, Validation } from './types.js';
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
]);
export const CUSTOMER_REQUIRED = ['id', 'email'] as const;

const NAME = { max: 200 };

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
): Validation<CustomerInput> {
  const row = new RowCheck(line, strict);
  const value: CustomerInput = {
    id: row.required('id', id(record.id), ''),
    email: row.required('email', email(record.email), ''),
    first_name: row.optional('first_name', text(record.first_name, NAME), null),
    last_name: row.optional('last_name', text(record.last_name, NAME), null),
    birthday: row.optional(
      'birthday',
      optional(record.birthday, (s) => birthday(s, now)),
      null,
    ),
    timezone: row.optional('timezone', optional(record.timezone, timeZone), null),
    locale: row.optional('locale', optional(record.locale, locale), null),
    customer_since: row.optional(
      'customer_since',
      optional(record.customer_since, (s) => calendarDate(s, now)),
      null,
    ),
    tags: row.optional('tags', tags(record.tags), []),
    // Consent is never guessed: a value that is not a known yes or no refuses the row.
    subscribed: row.take('subscribed', flag(record.subscribed, true), true),
    attributes: attributes(record, CUSTOMER_COLUMNS, row),
  };
  return row.result(value);
}
