/**
 * Whose clock and language a date or number is written in: the customer's, else the business's.
 * Zones and locales come from imported data (free text), so both are validated — and the checks
 * cached, because luxon's zone check builds an Intl formatter each time (~90 µs).
 */
import type { HelperOptions } from 'handlebars';
import { IANAZone } from 'luxon';

const zones = new Map<string, boolean>();
const locales = new Map<string, string | undefined>();
/** Imported values are free text: keep the caches bounded whatever they hold. */
const CACHE_LIMIT = 1000;

export function validZone(zone: unknown): string | undefined {
  if (typeof zone !== 'string' || zone === '') return undefined;
  let ok = zones.get(zone);
  if (ok === undefined) {
    ok = IANAZone.isValidZone(zone);
    if (zones.size >= CACHE_LIMIT) zones.clear();
    zones.set(zone, ok);
  }
  return ok ? zone : undefined;
}

/** A canonical BCP 47 tag, or undefined: Intl throws on a malformed one. */
export function validLocale(locale: unknown): string | undefined {
  if (typeof locale !== 'string' || locale === '') return undefined;
  if (locales.has(locale)) return locales.get(locale);
  let canonical: string | undefined;
  try {
    canonical = Intl.getCanonicalLocales(locale)[0];
  } catch {
    canonical = undefined;
  }
  if (locales.size >= CACHE_LIMIT) locales.clear();
  locales.set(locale, canonical);
  return canonical;
}

interface AudienceRoot {
  customer?: { timezone?: unknown; locale?: unknown };
  business?: { timezone?: unknown; locale?: unknown };
}

/** From the template's root data, whichever block or partial the helper runs in. */
export function audience(options: HelperOptions | undefined): { zone: string; locale: string } {
  const root = (options?.data as { root?: AudienceRoot } | undefined)?.root;
  const zone = validZone(root?.customer?.timezone) ?? validZone(root?.business?.timezone) ?? 'UTC';
  const locale = validLocale(root?.customer?.locale) ?? validLocale(root?.business?.locale) ?? 'en-US';
  return { zone, locale };
}
