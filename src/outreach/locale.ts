/**
 * Which language variant of a template a customer gets: their exact locale (pt-BR), else its
 * base language (pt), else the template's default, written in `business.locale`. A locale that
 * is not a locale (`xx_!!`) is never a failure: it falls back to the default, with a warning.
 */
import { validLocale } from '../render/audience.js';

export interface LocaleChoice {
  /** The variant to render: a locale with a published variant, or '' for the default. */
  variant: string;
  /** The language the message is written in; dates, numbers and money are formatted in it. */
  resolved: string;
  /** The customer's locale as stored (null when they have none). */
  requested: string | null;
  /** The requested locale was not a locale at all. */
  invalid: boolean;
}

export function chooseLocale(
  requested: string | null | undefined,
  variants: ReadonlySet<string>,
  businessLocale: string,
): LocaleChoice {
  const asked = requested === undefined || requested === null || requested.trim() === '' ? null : requested;
  const fallback = { variant: '', resolved: businessLocale, requested: asked, invalid: false };
  if (asked === null) return fallback;
  const tag = validLocale(asked);
  if (tag === undefined) return { ...fallback, invalid: true };
  if (variants.has(tag)) return { ...fallback, variant: tag, resolved: tag };
  const base = tag.split('-')[0] ?? tag;
  if (variants.has(base)) return { ...fallback, variant: base, resolved: base };
  return fallback;
}
