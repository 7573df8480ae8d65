/** What a shop's webhook brings, once read: a customer, and a purchase when it is an order or payment. */

export interface ShopCustomer {
  email: string;
  first_name: string | null;
  last_name: string | null;
  /** Marketing consent when the platform says; unknown leaves the default. */
  subscribed?: boolean;
}

export interface ShopItem {
  name: string;
  quantity: number;
  price?: string;
  sku?: string;
}

export interface ShopPurchase {
  /** The event id: platform-prefixed order or payment id, so one order is one purchase. */
  id: string;
  occurred_at: number;
  total: string;
  currency: string;
  items: ShopItem[];
  /** The shop's own order number or name, when it has one. */
  order?: string;
}

export type Reading =
  | { kind: 'intake'; customer: ShopCustomer; purchase?: ShopPurchase }
  /** A topic Rapport does not use (or an order not paid yet): answered 200 and logged. */
  | { kind: 'ignored'; topic: string }
  /** A signed payload without what it needs (no email address): answered 200 and logged. */
  | { kind: 'unusable'; topic: string; reason: string };

type Json = Record<string, unknown>;

export function obj(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

export function str(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

/** Epoch ms of an ISO time (`Z` assumed when there is no offset), or of a Unix seconds number. */
export function when(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value !== 'string') return fallback;
  const text = /[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : fallback;
}

/** Currencies without minor units (Stripe and Square send amounts in the smallest unit). */
const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);

/** An amount in minor units as decimal text: 1250 USD → "12.50", 500 JPY → "500". */
export function minorUnits(amount: unknown, currency: string): string | null {
  if (typeof amount !== 'number' || !Number.isInteger(amount)) return null;
  if (ZERO_DECIMAL.has(currency.toUpperCase())) return String(amount);
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
