/**
 * Benchmark data from a seeded PRNG: the same customers, events and content on every run, so
 * two runs (or two machines) measure the same work. Generated page by page, never all at once.
 */
import type { ContentItem, CustomerEvent, CustomerInput } from '../src/domain.js';

const DAY = 86_400_000;

/** mulberry32: small, fast and good enough to spread test data. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The day the planning measures plan: a Wednesday, far from Dec 24 (no all-customer rule fires). */
export const PLAN_DAY = Date.UTC(2025, 5, 11);
/** A Monday: the weekly digest makes every customer a candidate. */
export const DIGEST_DAY = Date.UTC(2025, 5, 9);
/** Data is "as of" this instant: events happened before it, customers were added before it. */
export const DATA_NOW = PLAN_DAY;

const ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Paris',
  'Europe/Berlin',
  'Europe/Madrid',
  'Africa/Lagos',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Asia/Singapore',
  'Australia/Sydney',
  'Pacific/Auckland',
  'America/Havana',
];
const FIRST = [
  'Maya',
  'Liam',
  'Noah',
  'Ava',
  'Zoe',
  'Omar',
  'Ines',
  'Kenji',
  'Priya',
  'Lucas',
  'Sofia',
  'Amara',
];
const LAST = [
  'Lindqvist',
  'Okafor',
  'Garcia',
  'Nguyen',
  'Smith',
  'Rossi',
  'Tanaka',
  'Müller',
  'Dubois',
  'Khan',
];

export function customerId(n: number): string {
  return `c${String(n).padStart(8, '0')}`;
}

const two = (n: number): string => String(n).padStart(2, '0');

function isoDate(t: number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
}

/** Customers [from, to) of the population; customer n is always the same person. */
export function customers(from: number, to: number): CustomerInput[] {
  const out: CustomerInput[] = [];
  for (let n = from; n < to; n++) {
    const r = prng(n * 7919 + 1);
    const hasBirthday = r() < 0.8;
    const birth = Date.UTC(1950, 0, 1) + Math.floor(r() * 55 * 365) * DAY;
    out.push({
      id: customerId(n),
      email: `${customerId(n)}@bench.example`,
      first_name: FIRST[Math.floor(r() * FIRST.length)] as string,
      last_name: LAST[Math.floor(r() * LAST.length)] as string,
      birthday: hasBirthday ? (r() < 0.9 ? isoDate(birth) : isoDate(birth).slice(5)) : null,
      timezone: r() < 0.9 ? (ZONES[Math.floor(r() * ZONES.length)] as string) : null,
      locale: r() < 0.5 ? 'en-US' : null,
      customer_since: isoDate(DATA_NOW - Math.floor(r() * 6 * 365) * DAY - DAY),
      tags: r() < 0.3 ? ['newsletter'] : [],
      subscribed: r() < 0.97,
      attributes: r() < 0.2 ? { favorite: 'Flat white' } : {},
    });
  }
  return out;
}

/** Purchases of customers [from, to): 0–4 each (1.5 on average) over the 400 days before DATA_NOW. */
export function purchases(from: number, to: number): CustomerEvent[] {
  const out: CustomerEvent[] = [];
  for (let n = from; n < to; n++) {
    const r = prng(n * 104_729 + 7);
    const count = Math.floor(r() * r() * 5.5);
    for (let i = 0; i < count; i++) {
      out.push({
        id: `e${String(n).padStart(8, '0')}-${i}`,
        customer_id: customerId(n),
        type: 'purchase',
        occurred_at: DATA_NOW - 60_000 - Math.floor(r() * 400 * DAY),
        data: { order_id: `${n}-${i}`, total: (5 + r() * 40).toFixed(2) },
      });
    }
  }
  return out;
}

/** A year of articles, one a week, the newest a day before DATA_NOW. */
export function articles(count = 52): ContentItem[] {
  const r = prng(42);
  return Array.from({ length: count }, (_, i) => ({
    id: `post-${i + 1}`,
    title: `Brewing notes #${i + 1}: ${FIRST[i % FIRST.length]}'s favourite beans`,
    url: `https://corner.example/posts/${i + 1}`,
    published_at: DATA_NOW - DAY - (count - 1 - i) * 7 * DAY,
    summary:
      r() < 0.7 ? 'A short visit to the small farms we buy from, and how we roast for espresso.' : null,
    tags: [i % 3 === 0 ? 'guides' : 'stories'],
  }));
}
