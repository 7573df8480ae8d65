/**
 * Whose clock and language a date or number is written in: the customer's, else the business's.
 * Zones and locales come from imported data (free text), so both are validated with the
 * import's own (memoised) checks: luxon's zone check builds an Intl formatter each time (~90 µs).
 */
import type { HelperOptions } from 'handlebars';
import { locale as checkLocale, timeZone as checkZone } from '../import/zone.js';

/** The zone if it is one (checked, and cached, as imported rows are), else undefined. */
export function validZone(zone: unknown): string | undefined {
  if (typeof zone !== 'string' || zone === '') return undefined;
  const checked = checkZone(zone);
  return checked.ok ? checked.value : undefined;
}

/** A canonical BCP 47 tag (`en_US` read as `en-US`, as in imports), or undefined. */
export function validLocale(locale: unknown): string | undefined {
  if (typeof locale !== 'string' || locale === '') return undefined;
  const checked = checkLocale(locale);
  return checked.ok ? checked.value : undefined;
}

interface AudienceRoot {
  locale?: unknown;
  customer?: { timezone?: unknown; locale?: unknown };
  business?: { timezone?: unknown; locale?: unknown };
}

/** From the template's root data, whichever block or partial the helper runs in. */
export function audience(options: HelperOptions | undefined): { zone: string; locale: string } {
  const root = (options?.data as { root?: AudienceRoot } | undefined)?.root;
  const zone = validZone(root?.customer?.timezone) ?? validZone(root?.business?.timezone) ?? 'UTC';
  const locale =
    validLocale(root?.locale) ??
    validLocale(root?.customer?.locale) ??
    validLocale(root?.business?.locale) ??
    'en-US';
  return { zone, locale };
}
