/**
 * Religious and cultural occasions that are not tied to one country. Each is opt-in: only
 * customers carrying its tag receive it, whatever country they live in; a country's own
 * calendar is used for the date where that country keeps it (Singapore's gazetted Hari Raya
 * Puasa, say), the rule elsewhere.
 */

/** An occasion as configured under `occasions:` or built in. */
export interface OccasionDefinition {
  name?: string | undefined;
  /** A date-holidays rule: `easter -2`, `4th thursday in November`, `chinese 01-0-01`, `1 Shawwal`. */
  rule?: string | undefined;
  /** Dates by year (`MM-DD`): published dates, which win over the rule for their year. */
  dates?: Readonly<Record<string, string>> | undefined;
  /** `US`, or `CA-NS` for one province: where the occasion applies; absent means everywhere. */
  countries?: readonly string[] | undefined;
  /** Customers need one of these tags to receive it; absent means everyone it applies to. */
  tags?: readonly string[] | undefined;
  /** Keys of the same day in countries' public calendars (e.g. `deepavali`), for their dates. */
  aliases?: readonly string[] | undefined;
}

/**
 * Diwali (Lakshmi Puja) as India's central government gazettes it. It follows the Hindu
 * lunisolar calendar, which date-holidays does not compute, so the published dates ship here;
 * a year past the table is reported as having no known date, never skipped silently.
 */
const DIWALI_INDIA: Readonly<Record<string, string>> = {
  '2026': '11-08',
  '2027': '10-29',
  '2028': '10-17',
  '2029': '11-05',
  '2030': '10-26',
};

export const BUILT_IN: Readonly<Record<string, OccasionDefinition>> = {
  easter: { name: 'Easter', rule: 'easter', tags: ['easter'] },
  'orthodox-easter': { name: 'Orthodox Easter', rule: 'orthodox', tags: ['orthodox-easter'] },
  'eid-al-fitr': {
    name: 'Eid al-Fitr',
    rule: '1 Shawwal',
    tags: ['eid-al-fitr'],
    aliases: ['end-of-ramadan-eid-al-fitr', 'hari-raya-puasa'],
  },
  'eid-al-adha': {
    name: 'Eid al-Adha',
    rule: '10 Dhu al-Hijjah',
    tags: ['eid-al-adha'],
    aliases: ['feast-of-the-sacrifice-eid-al-adha', 'hari-raya-haji'],
  },
  'lunar-new-year': {
    name: 'Lunar New Year',
    rule: 'chinese 01-0-01',
    tags: ['lunar-new-year'],
    aliases: ['chinese-new-year', 'lunar-new-year'],
  },
  'rosh-hashanah': { name: 'Rosh Hashanah', rule: '1 Tishrei', tags: ['rosh-hashanah'] },
  passover: { name: 'Passover', rule: '15 Nisan', tags: ['passover'] },
  diwali: { name: 'Diwali', dates: DIWALI_INDIA, tags: ['diwali'], aliases: ['deepavali', 'diwali'] },
};
