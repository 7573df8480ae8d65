/**
 * The scripted cast: customers whose dates are set so that each automation has something to do
 * on the demo day. Birthdays at 09:00 in zones from Honolulu-side to Chatham, anniversaries,
 * week-old orders, a 90-day silence, a fifth purchase, a brand-new customer.
 */
import type { DateTime } from 'luxon';
import { DAY_MS, HOUR_MS, wallClockInDay } from './day.js';
import { cultureFor } from './names.js';
import type { PurchaseDraft } from './orders.js';
import { makePerson, type Person } from './people.js';
import {
  attributesFor,
  channelFor,
  customerRecord,
  joined,
  purchasesOn,
  randomBirthday,
  rewardCode,
  tagsFor,
  type DemoCustomer,
  type SeedContext,
} from './profile.js';

type Role =
  'birthday' | 'anniversary' | 'follow-up' | 'came-back' | 'miss-you' | 'fifth' | 'new-today' | 'leap-day';

interface CastMember {
  role: Role;
  culture: string;
  /** null: no zone on file, the business's applies. */
  zone: string | null;
  unsubscribed?: boolean;
  /** Birthdays: the year is on file too (otherwise MM-DD only). */
  withYear?: boolean;
  /** Anniversaries: years as a customer. */
  years?: number;
}

const NY = 'America/New_York';

export const CAST: readonly CastMember[] = [
  { role: 'birthday', culture: 'us', zone: null, withYear: true },
  { role: 'birthday', culture: 'us', zone: 'America/Los_Angeles' },
  { role: 'birthday', culture: 'brazil', zone: 'America/Sao_Paulo', withYear: true },
  { role: 'birthday', culture: 'germany', zone: 'Europe/Berlin', withYear: true, unsubscribed: true },
  { role: 'birthday', culture: 'nepal', zone: 'Asia/Kathmandu', withYear: true },
  { role: 'birthday', culture: 'australia', zone: 'Australia/Lord_Howe' },
  { role: 'birthday', culture: 'new-zealand', zone: 'Pacific/Chatham', withYear: true },
  { role: 'anniversary', culture: 'us', zone: NY, years: 1 },
  { role: 'anniversary', culture: 'uk-ie', zone: 'Europe/London', years: 3 },
  { role: 'anniversary', culture: 'japan', zone: 'Asia/Tokyo', years: 5 },
  { role: 'follow-up', culture: 'us', zone: NY },
  { role: 'follow-up', culture: 'canada', zone: 'America/Halifax' },
  { role: 'follow-up', culture: 'india', zone: 'Asia/Kolkata' },
  { role: 'came-back', culture: 'us-latino', zone: NY },
  { role: 'miss-you', culture: 'us', zone: NY },
  { role: 'miss-you', culture: 'us', zone: 'America/Chicago' },
  { role: 'miss-you', culture: 'france', zone: 'Europe/Paris' },
  { role: 'fifth', culture: 'us', zone: NY },
  { role: 'fifth', culture: 'canada', zone: 'America/Toronto' },
  { role: 'new-today', culture: 'us', zone: null },
  { role: 'leap-day', culture: 'uk-ie', zone: 'Europe/Dublin' },
];

interface Scripted {
  purchases: PurchaseDraft[];
  birthday?: string | null;
  since?: string;
  isNew?: boolean;
}

/** The instant it is hh:mm in `zone` during the demo day. */
function wall(ctx: SeedContext, zone: string, hour: number, minute = 0): DateTime {
  return wallClockInDay(ctx.day, zone, hour, minute);
}

/** A birth year that has this month-day (Feb 29 needs a leap year). */
function birthYear(ctx: SeedContext, md: string): number {
  const year = ctx.rng.int(1958, 2002);
  return md === '02-29' ? year - (year % 4) : year;
}

interface Helpers {
  zone: string;
  /** A purchase at this instant. */
  at: (t: number) => PurchaseDraft;
  /** `n` purchases on distinct days between `from` and `to` days ago. */
  some: (from: number, to: number, n: number) => PurchaseDraft[];
}

/** Birthdays, anniversaries and the leap-day birthday: dates on the customer record. */
function datesScript(ctx: SeedContext, member: CastMember, h: Helpers): Scripted {
  const { rng } = ctx;
  if (member.role === 'leap-day') {
    return { purchases: h.some(0, 30, 3), birthday: `${birthYear(ctx, '02-29')}-02-29` };
  }
  const today = wall(ctx, h.zone, 9);
  if (member.role === 'birthday') {
    const md = today.toFormat('MM-dd');
    return {
      purchases: h.some(1, 30, rng.int(1, 4)),
      birthday: member.withYear ? `${birthYear(ctx, md)}-${md}` : md,
    };
  }
  // Feb 29 has no anniversary in most years: go back to a year that had one.
  const back = [member.years ?? 1, 4, 8]
    .map((y) => today.minus({ years: y }))
    .find((d) => d.day === today.day);
  return { purchases: h.some(2, 30, rng.int(2, 5)), since: back?.toISODate() ?? '' };
}

/** Week-old orders, a 90-day silence, a fifth purchase, a first purchase: the order history. */
function ordersScript(ctx: SeedContext, member: CastMember, h: Helpers): Scripted {
  const { rng } = ctx;
  const ten = wall(ctx, h.zone, 10).toMillis();
  switch (member.role) {
    case 'follow-up':
    case 'came-back': {
      // An order the afternoon of 8 days ago: a week later is yesterday afternoon, so 10:00 today.
      const first = h.at(ten - 7 * DAY_MS - rng.int(15, 21) * HOUR_MS);
      const again = member.role === 'came-back' ? [h.at(ten - 3 * DAY_MS + 2 * HOUR_MS)] : [];
      return { purchases: [first, ...again], isNew: true };
    }
    case 'miss-you': {
      // The last visit, 90 days before yesterday afternoon: the silence turns 90 days before 10:00 today.
      const last = h.at(ten - 90 * DAY_MS - rng.int(15, 21) * HOUR_MS);
      return { purchases: [...h.some(100, 200, rng.int(2, 4)), last] };
    }
    case 'fifth': {
      const fifth = h.at(wall(ctx, h.zone, rng.int(11, 16), rng.int(0, 59)).toMillis());
      return { purchases: [...h.some(2, 28, 4), fifth] };
    }
    default:
      return { purchases: [h.at(wall(ctx, h.zone, 8, 40).toMillis())], isNew: true };
  }
}

function script(ctx: SeedContext, member: CastMember, id: string): Scripted {
  const helpers: Helpers = {
    zone: member.zone ?? ctx.day.zone,
    at: (t) => ({ customerId: id, at: t, channel: channelFor(member.zone, ctx.day) }),
    some: (from, to, n) => purchasesOn(ctx, id, member.zone, ctx.rng.distinct(n, from, to)),
  };
  const dated = member.role === 'birthday' || member.role === 'anniversary' || member.role === 'leap-day';
  return dated ? datesScript(ctx, member, helpers) : ordersScript(ctx, member, helpers);
}

export function castCustomer(ctx: SeedContext, member: CastMember, id: string): DemoCustomer {
  const { rng, day } = ctx;
  const person: Person = makePerson(rng, cultureFor(member.culture), ctx.used, member.zone);
  const scripted = script(ctx, member, id);
  const zone = member.zone ?? day.zone;
  const joinedAt = joined(ctx, scripted.purchases, zone, scripted.isNew ?? false);
  const channel = channelFor(member.zone, day);
  const regular = member.role === 'fifth';
  const attributes = attributesFor(rng, channel, false);
  if (regular) attributes.reward_code = rewardCode(rng);
  const input = customerRecord({
    id,
    person,
    birthday:
      scripted.birthday === undefined ? (rng.chance(0.75) ? randomBirthday(rng) : null) : scripted.birthday,
    since: scripted.since ?? joinedAt.since,
    tags: tagsFor(rng, channel, regular),
    subscribed: member.unsubscribed !== true,
    attributes,
  });
  return { input, createdAt: joinedAt.createdAt, purchases: scripted.purchases, role: member.role };
}
