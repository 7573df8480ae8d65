/**
 * Values as exports write them → the canonical forms the row checks take: dates in other
 * orders and separators, times without an offset (read in the business zone), consent words.
 * Runs after the mapping, on records keyed by field; pure apart from the counters it keeps.
 */
import {
  type DateFormat,
  type DateParts,
  isoDate,
  type Order,
  OrderEvidence,
  readNumeric,
  readWithFormat,
  zonedIso,
} from './date-input.js';
import { show } from './text.js';
import type { ImportKind } from './types.js';

/** How each date field of a kind is stored: a calendar date or an instant. */
export const DATE_FIELDS: Record<ImportKind, Readonly<Record<string, 'date' | 'instant'>>> = {
  customers: { birthday: 'date', customer_since: 'date' },
  events: { occurred_at: 'instant' },
  content: { published_at: 'instant' },
};

/** Words read as consent given or refused, compared without case, spaces or punctuation. */
export interface ConsentWords {
  yes: readonly string[];
  no: readonly string[];
}

const CONSENT_WORDS: ConsentWords = {
  yes: ['true', 'yes', 'y', '1', 'subscribed', 'optedin', 'optin', 'on', 'confirmed', 'ja', 'oui', 'si'],
  no: [
    'false',
    'no',
    'n',
    '0',
    'unsubscribed',
    'optedout',
    'optout',
    'off',
    'cleaned',
    'notsubscribed',
    'nein',
    'non',
  ],
};

const wordKey = (word: string) => word.toLowerCase().replace(/[^a-z0-9]/g, '');

export interface PrepareOptions {
  kind: ImportKind;
  dateFormat?: DateFormat;
  /** Where a time without an offset is read: the business zone. */
  zone: string;
  /** Added to the built-in words. */
  consent?: ConsentWords;
}

/** A value the preparation could not read; the row check decides whether it refuses the row. */
export interface FieldProblem {
  field: string;
  reason: string;
}

const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?$/;
const ISO_SPACED_OFFSET =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)\s+(Z|UTC|GMT|[+-]\d{2}:?\d{2})$/i;

export class Preparer {
  /** Values read in the business zone because they had no offset. */
  zoned = 0;
  private readonly yes: Set<string>;
  private readonly no: Set<string>;

  constructor(
    private readonly options: PrepareOptions,
    private readonly orders: ReadonlyMap<string, Order> = new Map(),
  ) {
    this.yes = new Set([...CONSENT_WORDS.yes, ...(options.consent?.yes ?? [])].map(wordKey));
    this.no = new Set([...CONSENT_WORDS.no, ...(options.consent?.no ?? [])].map(wordKey));
  }

  prepare(record: Record<string, unknown>): FieldProblem[] {
    const problems: FieldProblem[] = [];
    for (const [field, kind] of Object.entries(DATE_FIELDS[this.options.kind])) {
      const value = record[field];
      if (typeof value !== 'string' || value.trim() === '') continue;
      const result = this.date(value.trim(), field, kind);
      if (typeof result === 'string') record[field] = result;
      else if (result) problems.push(result);
    }
    if (this.options.kind === 'customers') this.consent(record);
    return problems;
  }

  private consent(record: Record<string, unknown>): void {
    const value = record.subscribed;
    if (typeof value !== 'string') return;
    const key = wordKey(value);
    if (this.yes.has(key)) record.subscribed = 'true';
    else if (this.no.has(key)) record.subscribed = 'false';
  }

  /** The canonical value, a problem, or undefined to leave the value to the row check. */
  private date(value: string, field: string, kind: 'date' | 'instant'): string | FieldProblem | undefined {
    const spaced = ISO_SPACED_OFFSET.exec(value);
    if (spaced) {
      const offset = /^(UTC|GMT)$/i.test(spaced[3] as string) ? 'Z' : (spaced[3] as string);
      return kind === 'date' ? spaced[1] : `${spaced[1]}T${spaced[2]}${offset}`;
    }
    const local = ISO_LOCAL.exec(value);
    if (local) {
      if (kind === 'date') return value.slice(0, 10);
      const [, y, mo, d, h, mi, s] = local.map<number>(Number);
      const parts = {
        year: y,
        month: mo,
        day: d,
        time: { hour: h, minute: mi, second: s || 0 },
      } as DateParts;
      return this.instant(parts, value, field);
    }
    if (/^\d{4}-\d{2}-\d{2}/.test(value) || /^\d{2}-\d{2}$/.test(value)) {
      if (kind === 'instant' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
        return this.instant({ ...this.iso(value), time: { hour: 0, minute: 0, second: 0 } }, value, field);
      }
      return undefined;
    }
    const parts = this.read(value, field);
    if (!parts || 'reason' in parts) return parts;
    if (kind === 'date') return isoDate(parts);
    return this.instant(parts, value, field);
  }

  private iso(value: string): DateParts {
    return {
      year: Number(value.slice(0, 4)),
      month: Number(value.slice(5, 7)),
      day: Number(value.slice(8, 10)),
    };
  }

  private read(value: string, field: string): DateParts | FieldProblem | undefined {
    const format = this.options.dateFormat;
    if (format) {
      const parts = readWithFormat(value, format);
      return parts ?? { field, reason: `${show(value)} does not match --date-format ${format.text}` };
    }
    const order = this.orders.get(field);
    if (order) return readNumeric(value, order) ?? undefined;
    const parts = readNumeric(value, 'dmy');
    if (!parts) return undefined;
    if (parts.day === parts.month || parts.day > 12) return parts;
    if (parts.month > 12) return readNumeric(value, 'mdy');
    return {
      field,
      reason: `${show(value)} reads as day/month or month/day; say --date-format DD/MM/YYYY or MM/DD/YYYY`,
    };
  }

  private instant(parts: DateParts, value: string, field: string): string | FieldProblem {
    const iso = zonedIso(parts, this.options.zone);
    if (!iso) return { field, reason: `${show(value)} is not a real date and time` };
    this.zoned++;
    return iso;
  }
}

/** Decides each date field's day/month order from a sample of records; refuses an ambiguous file. */
export function decideOrders(
  kind: ImportKind,
  sample: readonly Record<string, unknown>[],
  columnOf: (field: string) => string,
): Map<string, Order> {
  const orders = new Map<string, Order>();
  for (const field of Object.keys(DATE_FIELDS[kind])) {
    const evidence = new OrderEvidence();
    for (const record of sample) {
      const value = record[field];
      if (typeof value === 'string') evidence.see(value);
    }
    const order = evidence.decide(columnOf(field));
    if (order) orders.set(field, order);
  }
  return orders;
}
