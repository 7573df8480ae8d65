/**
 * What every demo customer is made of: the record Rapport stores, when it was stored, and
 * their purchases. Shared by the scripted cast and the crowd around them.
 */
import { DateTime } from 'luxon';
import type { CustomerInput } from '../src/db/customers.js';
import { localDate, localDaysAgo, DAY_MS, type DemoDay } from './day.js';
import { FAVORITE_DRINKS } from './names.js';
import type { Channel, PurchaseDraft } from './orders.js';
import type { Person } from './people.js';
import type { Random } from './random.js';
import { daysInMonth } from '../src/plan/calendar.js';

export interface DemoCustomer {
  input: CustomerInput;
  /** When Rapport first stored the customer (the import, or the sign-up at the till). */
  createdAt: number;
  purchases: PurchaseDraft[];
  /** Scripted cast only: why this customer is here (birthday, fifth, ...). */
  role?: string;
}

export interface SeedContext {
  rng: Random;
  day: DemoDay;
  /** Addresses already given out. */
  used: Set<string>;
  /** When the shop imported its customer list into Rapport. */
  importedAt: number;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD`, or `MM-DD` for the quarter of people who would not give a year. */
export function randomBirthday(rng: Random): string {
  const month = rng.int(1, 12);
  // A non-leap year's days: no Feb 29 birthdays in the demo.
  const day = rng.int(1, daysInMonth(2001, month));
  const md = `${two(month)}-${two(day)}`;
  return rng.chance(0.25) ? md : `${rng.int(1952, 2005)}-${md}`;
}

/** A date between the shop's opening (spring 2019) and `latest`. */
function randomSince(rng: Random, latest: number, zone: string): string {
  const opened = DateTime.fromISO('2019-04-12', { zone }).toMillis();
  const span = Math.max(0, latest - opened);
  return localDate(opened + Math.floor(rng.next() * span), zone);
}

export function channelFor(zone: string | null, day: DemoDay): Channel {
  return zone === null || zone === day.zone ? 'in-store' : 'online';
}

/** Purchases on the given days before the demo date (0 = that day), at plausible local hours. */
export function purchasesOn(
  ctx: SeedContext,
  customerId: string,
  zone: string | null,
  daysAgo: readonly number[],
): PurchaseDraft[] {
  const { rng, day } = ctx;
  const channel = channelFor(zone, day);
  const [open, close] = channel === 'in-store' ? [7, 18] : [7, 22];
  const out: PurchaseDraft[] = [];
  for (const ago of daysAgo) {
    const at = localDaysAgo(day, zone ?? day.zone, ago, rng.int(open, close), rng.int(0, 59)).toMillis();
    // An order "today" in a zone behind the shop's may fall after the shop's midnight: not yet.
    if (at < day.end) out.push({ customerId, at, channel });
  }
  return out;
}

export function tagsFor(rng: Random, channel: Channel, regular: boolean): string[] {
  const tags: string[] = [];
  if (rng.chance(0.85)) tags.push('newsletter');
  if (regular) tags.push('regular');
  if (channel === 'online') tags.push('online');
  if (rng.chance(0.12)) tags.push('events');
  return tags;
}

export function attributesFor(rng: Random, channel: Channel, regular: boolean): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (rng.chance(channel === 'in-store' ? 0.65 : 0.3)) attributes.favorite_drink = rng.pick(FAVORITE_DRINKS);
  if (regular && rng.chance(0.3)) attributes.reward_code = rewardCode(rng);
  return attributes;
}

export function rewardCode(rng: Random): string {
  const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let code = 'CORNER-';
  for (let i = 0; i < 4; i++) code += letters[rng.int(0, letters.length - 1)];
  return code;
}

export interface RecordParts {
  id: string;
  person: Person;
  birthday: string | null;
  since: string;
  tags: string[];
  subscribed: boolean;
  attributes: Record<string, string>;
}

export function customerRecord(p: RecordParts): CustomerInput {
  return {
    id: p.id,
    email: p.person.email,
    first_name: p.person.first,
    last_name: p.person.last,
    birthday: p.birthday,
    timezone: p.person.zone,
    locale: p.person.locale,
    customer_since: p.since,
    tags: p.tags,
    subscribed: p.subscribed,
    attributes: p.attributes,
  };
}

/**
 * A customer whose first purchase is recent joined at the till that day; everyone else came in
 * with the import. Returns customer_since and createdAt.
 */
export function joined(
  ctx: SeedContext,
  purchases: readonly PurchaseDraft[],
  zone: string,
  isNew: boolean,
): { since: string; createdAt: number } {
  const first = purchases.reduce((min, p) => Math.min(min, p.at), Infinity);
  if (isNew && Number.isFinite(first) && first >= ctx.importedAt)
    return { since: localDate(first, zone), createdAt: first - 5 * 60_000 };
  const latest = Math.min(first, ctx.day.start - 60 * DAY_MS);
  return { since: randomSince(ctx.rng, latest, zone), createdAt: ctx.importedAt };
}
