/**
 * Dates as exports write them, turned into the ISO forms the row checks take: `27.02.1953`,
 * `03/14/1990 10:15 PM`, `2024-01-15 10:23:45 -0500`. Day-first or month-first is never
 * guessed from one value: it comes from `--date-format` or from values in the file that only
 * one order can read (a day above 12).
 */
import { DateTime } from 'luxon';
import { AppError } from '../errors.js';
import { unreadable } from './input.js';
import { show } from './text.js';

export type Order = 'dmy' | 'mdy';

/** A date read from a value; `year` absent for a birthday written without one. */
export interface DateParts {
  year?: number;
  month: number;
  day: number;
  time?: { hour: number; minute: number; second: number };
}

const NUMERIC =
  /^(\d{1,2})([./-])(\d{1,2})(?:\2(\d{4}))?(?:,?[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$/;

/** The two leading numbers of a day/month value, or undefined when it is not one. */
function numericHead(value: string): { a: number; b: number; sep: string; year: boolean } | undefined {
  const m = NUMERIC.exec(value.trim());
  if (!m) return undefined;
  // `03-14` is the ISO month-day of a birthday without a year, not an ambiguous date.
  if (m[2] === '-' && m[4] === undefined && m[1]?.length === 2 && m[3]?.length === 2) return undefined;
  return { a: Number(m[1]), b: Number(m[3]), sep: m[2] ?? '', year: m[4] !== undefined };
}

function hour12(hour: number, meridiem: string | undefined): number {
  if (!meridiem) return hour;
  const pm = meridiem.toLowerCase() === 'pm';
  return (hour % 12) + (pm ? 12 : 0);
}

/** A day/month value read in `order`, or undefined when it is not one. */
export function readNumeric(value: string, order: Order): DateParts | undefined {
  const m = NUMERIC.exec(value.trim());
  if (!m || numericHead(value) === undefined) return undefined;
  const [a, b] = [Number(m[1]), Number(m[3])];
  const parts: DateParts = order === 'dmy' ? { day: a, month: b } : { day: b, month: a };
  if (m[4] !== undefined) parts.year = Number(m[4]);
  if (m[5] !== undefined) {
    parts.time = { hour: hour12(Number(m[5]), m[8]), minute: Number(m[6]), second: Number(m[7] ?? 0) };
  }
  return parts;
}

const TOKENS: Record<string, string> = {
  YYYY: 'yyyy',
  YY: 'yy',
  MM: 'M',
  M: 'M',
  DD: 'd',
  D: 'd',
  HH: 'H',
  H: 'H',
  hh: 'h',
  h: 'h',
  mm: 'mm',
  ss: 'ss',
  A: 'a',
  a: 'a',
};
const TOKEN = /YYYY|YY|MM|M|DD|D|HH|H|hh|h|mm|ss|A|a|[A-Za-z]+/g;

/** A `--date-format` such as `DD.MM.YYYY` or `MM/DD/YYYY HH:mm`, checked once. */
export interface DateFormat {
  text: string;
  luxon: string;
  /** The same format without its year, for birthdays written as `27.02`. */
  withoutYear: string | undefined;
}

function toLuxon(format: string): string {
  return format.replace(TOKEN, (token) => TOKENS[token] ?? `'${token}'`);
}

export function parseDateFormat(text: string): DateFormat {
  const tokens: string[] = text.match(TOKEN) ?? [];
  const unknown = tokens.filter((t) => !(t in TOKENS));
  const has = (t: string) => tokens.includes(t);
  if (unknown.length > 0 || !(has('D') || has('DD')) || !(has('M') || has('MM'))) {
    throw unreadable(
      `--date-format "${text}" is not a date format: use DD, MM, YYYY (and HH, mm, ss), e.g. DD.MM.YYYY or MM/DD/YYYY`,
    );
  }
  const yearless = text.replace(/[^A-Za-z]?(YYYY|YY)[^A-Za-z\s]?/, '').trim();
  return {
    text,
    luxon: toLuxon(text),
    withoutYear: yearless !== text && !/Y/.test(yearless) ? toLuxon(yearless) : undefined,
  };
}

function fromLuxon(value: string, pattern: string, year: boolean): DateParts | undefined {
  const parsed = DateTime.fromFormat(value, pattern, { zone: 'UTC' });
  if (!parsed.isValid) return undefined;
  const parts: DateParts = { month: parsed.month, day: parsed.day };
  if (year) parts.year = parsed.year;
  if (/[Hh]/.test(pattern)) parts.time = { hour: parsed.hour, minute: parsed.minute, second: parsed.second };
  return parts;
}

/** A value in the given format (or the format without its year), or undefined. */
export function readWithFormat(value: string, format: DateFormat): DateParts | undefined {
  const trimmed = value.trim();
  const full = fromLuxon(trimmed, format.luxon, true);
  if (full) return full;
  // A format with a time also reads a value that has only the date.
  const dateOnly = format.luxon.replace(/\s*[Hh].*$/, '');
  if (dateOnly !== format.luxon) {
    const day = fromLuxon(trimmed, dateOnly, true);
    if (day) return day;
  }
  return format.withoutYear ? fromLuxon(trimmed, format.withoutYear, false) : undefined;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `YYYY-MM-DD`, or `MM-DD` without a year. */
export function isoDate(parts: DateParts): string {
  const md = `${pad(parts.month)}-${pad(parts.day)}`;
  return parts.year === undefined ? md : `${pad(parts.year, 4)}-${md}`;
}

/**
 * The instant of a local date and time in `zone`, ISO 8601 with its offset; undefined when
 * the date or time does not exist.
 */
export function zonedIso(parts: DateParts, zone: string): string | undefined {
  if (parts.year === undefined) return undefined;
  const time = parts.time ?? { hour: 0, minute: 0, second: 0 };
  const dt = DateTime.fromObject({ year: parts.year, month: parts.month, day: parts.day, ...time }, { zone });
  if (!dt.isValid || dt.month !== parts.month || dt.day !== parts.day) return undefined;
  return dt.toISO({ suppressMilliseconds: true }) ?? undefined;
}

/**
 * A date column that reads both ways: the file is refused before anything is written. The
 * column and an example value are kept so a page can ask which order the file uses.
 */
export class AmbiguousDates extends AppError {
  constructor(
    readonly column: string,
    readonly example: string,
    message: string,
  ) {
    super('E_IMPORT_UNREADABLE', message);
  }
}

/**
 * The two formats an ambiguous value can be in, day first then month first, written with the
 * value's own separator and time (`03.04.1990 10:15 PM` → `DD.MM.YYYY hh:mm A`, `MM.DD.YYYY hh:mm A`).
 */
export function formatChoices(example: string): [string, string] {
  const m = NUMERIC.exec(example.trim());
  const sep = m?.[2] ?? '/';
  const year = m?.[4] === undefined ? '' : `${sep}YYYY`;
  let time = '';
  if (m?.[5] !== undefined) {
    time = `${m[8] ? ' hh' : ' HH'}:mm${m[7] === undefined ? '' : ':ss'}${m[8] ? ' A' : ''}`;
  }
  return [`DD${sep}MM${year}${time}`, `MM${sep}DD${year}${time}`];
}

/** What the values of one column say about day/month order. */
export class OrderEvidence {
  private dayFirst?: string;
  private monthFirst?: string;
  private ambiguous?: string;

  see(value: string): void {
    const head = numericHead(value);
    if (!head) return;
    if (head.a > 12 && head.b <= 12) this.dayFirst ??= value;
    else if (head.b > 12 && head.a <= 12) this.monthFirst ??= value;
    else if (head.a <= 12 && head.b <= 12 && head.a !== head.b) this.ambiguous ??= value;
  }

  /** The order, undefined when no value needs one; refuses a column that cannot be told. */
  decide(column: string): Order | undefined {
    const hint = "say --date-format DD/MM/YYYY or --date-format MM/DD/YYYY (with the file's separator)";
    if (this.dayFirst && this.monthFirst) {
      throw new AmbiguousDates(
        column,
        this.dayFirst,
        `column "${column}" mixes day-first (${show(this.dayFirst)}) and month-first (${show(this.monthFirst)}) dates; ${hint}`,
      );
    }
    if (this.dayFirst) return 'dmy';
    if (this.monthFirst) return 'mdy';
    if (this.ambiguous) {
      throw new AmbiguousDates(
        column,
        this.ambiguous,
        `column "${column}" has dates such as ${show(this.ambiguous)} that read as day/month or month/day; nothing was imported: ${hint}`,
      );
    }
    return undefined;
  }
}
