/**
 * The template helpers. Kept few on purpose — the people who edit templates are not developers:
 *
 *   {{formatDate value [format]}}   a date in the customer's zone and locale. value: epoch ms, ISO
 *                                   string, `YYYY-MM-DD` or `MM-DD`; format: short | medium (default) |
 *                                   long | full | month-day, or a luxon token string ("d LLLL yyyy").
 *                                   Calendar dates (birthdays) never shift by zone; `MM-DD` never shows a year.
 *   {{formatNumber value}}          1,234.5 in the customer's locale
 *   {{formatMoney value "EUR"}}     18,50 € in the customer's locale (ISO 4217 currency code)
 *   {{default value "there"}}       value, or the fallback when value is missing or blank
 *   {{#if (eq a b)}}                equality; "5" equals 5 because imported values are text
 *   {{survey "csat"}}               this message's one-click rating links: "csat" (1-5) or "nps"
 *                                   (0-10); `{{survey "nps" "text"}}` writes them as plain lines
 *
 * plus Handlebars' own if, unless, each, with and lookup. `log` does nothing: templates must not
 * write to the daemon's console, and `rapport check` reports it as unknown. No helper reads the
 * clock (no "current year"): the same data always renders the same email, which is what makes
 * previews and snapshots trustworthy.
 */
import type { HelperDelegate, HelperOptions } from 'handlebars';
import { DateTime, type DateTimeFormatOptions } from 'luxon';
import Handlebars from 'handlebars';
import { audience } from './audience.js';
import { surveyLinksHtml, surveyLinksText } from './survey-links.js';
import { scalarText } from '../text.js';

/** Allowed number of positional arguments per helper, for the checker. */
export const HELPER_ARITY: Readonly<Record<string, readonly [min: number, max: number]>> = {
  if: [1, 1],
  unless: [1, 1],
  each: [1, 1],
  with: [1, 1],
  lookup: [2, 2],
  formatDate: [1, 2],
  formatNumber: [1, 1],
  formatMoney: [2, 2],
  default: [2, 2],
  eq: [2, 2],
  survey: [1, 2],
};

/** Helpers that take a `{{#block}}`; the others only work inline or as `(subexpressions)`. */
export const BLOCK_HELPERS: ReadonlySet<string> = new Set(['if', 'unless', 'each', 'with']);

export function isKnownHelper(name: string): boolean {
  return Object.hasOwn(HELPER_ARITY, name);
}

interface HelperHost {
  registerHelper(name: string, fn: HelperDelegate): void;
}

export function registerHelpers(hb: HelperHost): void {
  // The compiler calls `log` directly, so it must stay defined: a no-op rather than a crash.
  hb.registerHelper('log', () => '');
  hb.registerHelper('formatDate', formatDateHelper);
  hb.registerHelper('formatNumber', formatNumberHelper);
  hb.registerHelper('formatMoney', formatMoneyHelper);
  hb.registerHelper('default', (value: unknown, fallback: unknown) => (isBlank(value) ? fallback : value));
  hb.registerHelper('eq', (a: unknown, b: unknown) => looselyEqual(a, b));
  hb.registerHelper('survey', surveyHelper);
}

/** The problem with a `survey` helper's literal arguments, or undefined. */
export function surveyArgsProblem(kind: unknown, format: unknown): string | undefined {
  if (kind !== undefined && kind !== 'csat' && kind !== 'nps')
    return `survey: "${scalarText(kind)}" is not a survey: use "csat" or "nps"`;
  if (format !== undefined && format !== 'html' && format !== 'text')
    return `survey: "${scalarText(format)}" is not a format: use "html" or "text"`;
  return undefined;
}

function surveyHelper(...args: unknown[]): Handlebars.SafeString | string {
  const { params, options } = split(args);
  const [kind, format] = params;
  const problem = surveyArgsProblem(kind, format);
  if (problem) throw new Error(problem);
  const root = (options.data as { root?: { survey?: Record<string, unknown> } } | undefined)?.root;
  // surveyArgsProblem let only these two through.
  if (kind !== 'csat' && kind !== 'nps') return '';
  const base = root?.survey?.[kind];
  // Only sent messages (and previews) carry survey addresses: elsewhere, no links rather than broken ones.
  if (typeof base !== 'string') return '';
  const { locale } = audience(options);
  const which = kind;
  if (format === 'text') return surveyLinksText(base, which, locale);
  return new Handlebars.SafeString(surveyLinksHtml(base, which, locale));
}

const DATE_PRESETS: Readonly<Record<string, DateTimeFormatOptions>> = {
  short: DateTime.DATE_SHORT,
  medium: DateTime.DATE_MED,
  long: DateTime.DATE_FULL,
  full: DateTime.DATE_HUGE,
  'month-day': { month: 'long', day: 'numeric' },
};

/** Letters that are no date token: a word with one of them is meant as a preset name. */
const NOT_A_TOKEN = /[begjlprvwABCIJKNOPQRUVY-]/;

/**
 * The problem with a formatDate format, or undefined. A single word that is not a preset but
 * holds letters no pattern uses is a misspelt preset ("medum", "shrot"): luxon would print it as
 * digits and letters rather than refuse. Patterns ("d LLLL yyyy", "cccc") pass.
 */
export function dateFormatProblem(format: string): string | undefined {
  if (DATE_PRESETS[format] !== undefined || !/^[A-Za-z-]+$/.test(format) || !NOT_A_TOKEN.test(format))
    return undefined;
  const presets = Object.keys(DATE_PRESETS).join(', ');
  return `formatDate: "${format}" is not a format: use ${presets}, or a pattern such as "d LLLL yyyy"`;
}

/** Handlebars passes its options object last, whatever the number of arguments written. */
function split(args: unknown[]): { params: unknown[]; options: HelperOptions } {
  return { params: args.slice(0, -1), options: args[args.length - 1] as HelperOptions };
}

function formatDateHelper(...args: unknown[]): string {
  const { params, options } = split(args);
  const [value, format] = params;
  const { zone, locale } = audience(options);
  const parsed = parseDateValue(value, zone, locale);
  if (parsed === undefined) return scalarText(value);
  const name = typeof format === 'string' ? format : 'medium';
  const preset = DATE_PRESETS[name];
  if (preset === undefined) {
    const problem = dateFormatProblem(name);
    if (problem) throw new Error(problem);
    return parsed.dt.toFormat(name);
  }
  // A month-day has no real year or weekday: show only what we know.
  return parsed.monthDay ? parsed.dt.toLocaleString(monthDayOnly(preset)) : parsed.dt.toLocaleString(preset);
}

function monthDayOnly(preset: DateTimeFormatOptions): DateTimeFormatOptions {
  return { month: preset.month ?? 'long', day: preset.day ?? 'numeric' };
}

interface ParsedDate {
  dt: DateTime;
  monthDay: boolean;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Calendar dates are placed at local noon so no zone rule (or midnight DST gap) moves the day. */
function parseDateValue(value: unknown, zone: string, locale: string): ParsedDate | undefined {
  const opts = { zone, locale };
  let dt: DateTime | undefined;
  let monthDay = false;
  if (typeof value === 'number') dt = DateTime.fromMillis(value, opts);
  else if (value instanceof Date) dt = DateTime.fromJSDate(value, opts);
  else if (typeof value === 'string') {
    const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    const md = /^(\d{2})-(\d{2})$/.exec(value);
    if (date) dt = DateTime.fromObject({ year: +date[1]!, month: +date[2]!, day: +date[3]!, hour: 12 }, opts);
    else if (md) {
      // 2000 is a leap year, so "02-29" is a valid birthday.
      dt = DateTime.fromObject({ year: 2000, month: +md[1]!, day: +md[2]!, hour: 12 }, opts);
      monthDay = true;
    } else if (INSTANT.test(value)) {
      // An instant with its offset: Date.parse is exact here and several times cheaper than fromISO.
      dt = DateTime.fromMillis(Date.parse(value), opts);
    } else dt = DateTime.fromISO(value, opts);
  }
  return dt?.isValid ? { dt, monthDay } : undefined;
}

/** Number formats are costly to build (~20 µs): one per locale and style, kept. */
const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}\u0000${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    if (numberFormats.size >= 500) numberFormats.clear();
    numberFormats.set(key, format);
  }
  return format;
}

function formatNumberHelper(...args: unknown[]): string {
  const { params, options } = split(args);
  const value = params[0];
  const n = toNumber(value);
  if (n === undefined) return isBlank(value) ? '' : String(value);
  return numberFormat(audience(options).locale, {}).format(n);
}

function formatMoneyHelper(...args: unknown[]): string {
  const { params, options } = split(args);
  const [value, currency] = params;
  const n = toNumber(value);
  if (n === undefined) return isBlank(value) ? '' : String(value);
  const locale = audience(options).locale;
  try {
    return numberFormat(locale, { style: 'currency', currency: String(currency) }).format(n);
  } catch {
    // An unknown currency code should not stop the email: show the amount and the code as given.
    return `${numberFormat(locale, { minimumFractionDigits: 2 }).format(n)} ${String(currency)}`;
  }
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function isBlank(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

function looselyEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  return scalar(a) && scalar(b) && String(a) === String(b);
}
