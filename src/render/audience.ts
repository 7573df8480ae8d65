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

/**
 * The base language (`pt-BR` → pt) of the first locale whose language is one of `shipped`;
 * English when none is. Customer pages and survey links both choose their words this way.
 */
export function shippedLanguage(
  shipped: { has(language: string): boolean },
  ...locales: ReadonlyArray<string | null | undefined>
): string {
  for (const locale of locales) {
    const language = validLocale(locale)?.split('-')[0]?.toLowerCase();
    if (language !== undefined && shipped.has(language)) return language;
  }
  return 'en';
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
