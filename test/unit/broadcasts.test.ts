// Broadcasts' pure parts: the audience and send time as typed, each customer's due time (their
// own zone, a given date, daylight saving, the send window), and the claim-time decision.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { describeAudience, parseAudience } from '../../src/broadcasts/audience.js';
import { checkNotPast, parseSendAt, planBroadcastFor } from '../../src/broadcasts/plan.js';
import type { Broadcast } from '../../src/broadcasts/types.js';
import { configSchema } from '../../src/config/schema.js';
import { ALL_MARKETING } from '../../src/db/consent.js';
import type { DeliveryRow } from '../../src/db/deliveries.js';
import type { BatchContext } from '../../src/deliver/context.js';
import { decideBroadcast } from '../../src/deliver/decide-broadcast.js';
import { planPolicyFromConfig } from '../../src/plan/plan.js';
import { TimeCache } from '../../src/plan/time.js';
import { storedCustomer } from '../support/records.js';

const T = (iso: string) => Date.parse(iso);
const config = configSchema.parse({
  business: { timezone: 'Europe/Paris' },
  sending: { window: { start: '08:00', end: '20:00' }, max_lateness: '24h' },
});
const policy = planPolicyFromConfig(config);

function broadcast(over: Partial<Broadcast> = {}): Broadcast {
  return {
    ...{ id: 7, name: 'spring', template: 'we-miss-you', audience: {}, sendAt: { kind: 'now' } },
    ...{ transactional: false, status: 'scheduled', audienceCount: 1, plannedThrough: null },
    ...{ createdBy: 'staff', createdAt: T('2027-03-12T12:00:00Z'), cancelledBy: null, cancelledAt: null },
    ...over,
  } as Broadcast;
}

const local = (t: number, zone: string) => DateTime.fromMillis(t, { zone }).toFormat('yyyy-MM-dd HH:mm');

describe('broadcast options', () => {
  it('reads tags and repeated attributes, and refuses what it cannot read naming the option', () => {
    expect(parseAudience(' vip, Gold ,,vip', ['city=Paris', 'plan=a=b'])).toEqual({
      tags: ['vip', 'Gold'],
      attributes: { city: 'Paris', plan: 'a=b' },
    });
    expect(describeAudience(parseAudience(undefined, []))).toBe('everyone subscribed');
    expect(() => parseAudience(',', [])).toThrow('--tags: "," names no tag');
    expect(() => parseAudience(undefined, ['=x'])).toThrow('--where-attr: "=x" is not NAME=VALUE');
    expect(() => parseAudience(undefined, ['a"b=x'])).toThrow('is not NAME=VALUE');
    expect(() => parseAudience(undefined, ['a=1', 'a=2'])).toThrow('two different values');
  });

  it('reads --now, --at and --date', () => {
    expect(parseSendAt(undefined, undefined, false)).toEqual({ kind: 'now' });
    expect(parseSendAt('10:00', '2027-03-14', false)).toEqual({
      kind: 'at',
      time: '10:00',
      date: '2027-03-14',
    });
    expect(() => parseSendAt('25:00', undefined, false)).toThrow('--at: "25:00" is not a time (HH:MM)');
    expect(() => parseSendAt('10:00', '2027-02-30', false)).toThrow('--date: "2027-02-30" is not a date');
    expect(() => parseSendAt('10:00', undefined, true)).toThrow('give one of them');
    expect(() => parseSendAt(undefined, '2027-03-14', false)).toThrow('--date needs --at');
  });

  it('refuses a date and time already past in every zone, not one still ahead somewhere', () => {
    const cache = new TimeCache();
    const now = T('2027-03-14T12:00:00Z');
    expect(() => checkNotPast({ kind: 'at', time: '10:00', date: '2027-03-13' }, now, cache)).toThrow(
      'has passed in every time zone',
    );
    // 10:00 on the 14th is still to come at UTC−12 (22:00 UTC).
    expect(() => checkNotPast({ kind: 'at', time: '10:00', date: '2027-03-14' }, now, cache)).not.toThrow();
  });
});

describe('planning a broadcast for one customer', () => {
  const cache = new TimeCache();
  const plan = (b: Broadcast, zone: string | null, now = b.createdAt) =>
    planBroadcastFor(b, storedCustomer('c1', { timezone: zone }), true, now, policy, cache);

  it('goes at the local time in each zone: the next occurrence, or on the given date across a DST change', () => {
    const next = broadcast({ sendAt: { kind: 'at', time: '10:00', date: null } });
    // Created Friday 12:00 UTC: 21:00 in Tokyo (so tomorrow), 07:00 in New York (so today).
    expect(local(plan(next, 'Asia/Tokyo').dueAt, 'Asia/Tokyo')).toBe('2027-03-13 10:00');
    expect(local(plan(next, 'America/New_York').dueAt, 'America/New_York')).toBe('2027-03-12 10:00');
    // No zone on file: the business's.
    expect(local(plan(next, null).dueAt, 'Europe/Paris')).toBe('2027-03-13 10:00');
    // Sunday the 14th, clocks in New York go forward at 02:00: still 10:00 local (14:00 UTC).
    const dated = broadcast({ sendAt: { kind: 'at', time: '10:00', date: '2027-03-14' } });
    const p = plan(dated, 'America/New_York');
    expect(new Date(p.dueAt).toISOString()).toBe('2027-03-14T14:00:00.000Z');
    expect(p).toMatchObject({ automationId: 'broadcast:7', occurrence: 'once', status: 'pending' });
  });

  it('waits for the send window unless transactional, and expires when planned too late', () => {
    const early = broadcast({ sendAt: { kind: 'at', time: '06:30', date: '2027-03-13' } });
    expect(local(plan(early, 'Europe/Paris').dueAt, 'Europe/Paris')).toBe('2027-03-13 08:00');
    const urgent = { ...early, transactional: true };
    expect(local(plan(urgent, 'Europe/Paris').dueAt, 'Europe/Paris')).toBe('2027-03-13 06:30');
    const now = broadcast();
    expect(plan(now, 'Europe/Paris', now.createdAt + 25 * 3_600_000)).toMatchObject({ status: 'expired' });
    const shared = planBroadcastFor(now, storedCustomer('c2'), false, now.createdAt, policy, cache);
    expect(shared).toMatchObject({ status: 'skipped', reason: 'duplicate-address' });
  });
});

describe('the claim-time decision for a broadcast row', () => {
  const now = T('2027-03-12T12:00:00Z');
  const row = { id: 1, automation_id: 'broadcast:7', customer_id: 'c1', due_at: now } as DeliveryRow;
  const ctx = (optedOut = false): BatchContext => ({
    customers: new Map([['c1', storedCustomer('c1', { timezone: 'Europe/Paris' })]]),
    optOuts: new Map(optedOut ? [['c1', new Set([ALL_MARKETING])]] : []),
    suppressed: new Set(),
    events: new Map(),
    history: new Map(),
    digests: new Map(),
    sends: new Map(),
    duplicateAddress: new Set(),
    surveys: { invited: new Map(), held: new Set() },
    broadcasts: new Map(),
  });

  it('sends nothing for a cancelled broadcast, and never past an opt-out, transactional or not', () => {
    expect(decideBroadcast(row, broadcast(), ctx(), config, now)).toEqual({ kind: 'send' });
    expect(decideBroadcast(row, broadcast({ status: 'cancelled' }), ctx(), config, now)).toMatchObject({
      status: 'skipped',
      reason: 'broadcast-cancelled',
    });
    const urgent = broadcast({ transactional: true });
    expect(decideBroadcast(row, urgent, ctx(true), config, now)).toMatchObject({
      status: 'suppressed',
      reason: 'unsubscribed',
    });
  });

  it('holds marketing to the send window at claim time, not transactional broadcasts', () => {
    const night = T('2027-03-12T23:00:00Z');
    const late = { ...row, due_at: night };
    expect(decideBroadcast(late, broadcast(), ctx(), config, night)).toMatchObject({
      kind: 'defer',
      reason: 'send-window',
    });
    expect(decideBroadcast(late, broadcast({ transactional: true }), ctx(), config, night)).toEqual({
      kind: 'send',
    });
  });
});
