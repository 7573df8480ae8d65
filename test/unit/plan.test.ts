/** planCustomer: filters, send window, exit condition, lateness, order, policy, localTime. */
import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { configSchema } from '../../src/config/schema.js';
import type { RawConfig } from '../../src/config/schema.js';
import type { Customer, CustomerEvent } from '../../src/domain.js';
import { exitConditionMet, planCustomer, planPolicyFromConfig } from '../../src/plan/plan.js';
import { TimeCache, localIso } from '../../src/plan/time.js';
import type { PlanPolicy, PlannedDelivery, TimeWindow } from '../../src/plan/types.js';
import { storedCustomer } from '../support/records.js';

const ms = (iso: string): number => DateTime.fromISO(iso, { setZone: true }).toMillis();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function customer(over: Partial<Customer> = {}): Customer {
  return storedCustomer('c1', {
    ...{ first_name: null, birthday: '1990-06-15', timezone: 'Europe/Paris', tags: ['newsletter', 'vip'] },
    ...{ attributes: { plan: 'gold', city: 'Lyon' } },
    ...over,
  });
}

const event = (id: string, occurredAt: string, type = 'purchase'): CustomerEvent => ({
  id,
  customer_id: 'c1',
  type,
  occurred_at: ms(occurredAt),
  data: {},
});

const basePolicy: PlanPolicy = { defaultZone: 'UTC', leapDay: 'feb28', maxLateness: DAY };
const JUNE = { from: ms('2027-06-01T00:00Z'), to: ms('2027-07-01T00:00Z') };

interface Run {
  on: RawConfig['automations'];
  events?: CustomerEvent[];
  window?: TimeWindow;
  now?: number;
  policy?: Partial<PlanPolicy>;
  customer?: Partial<Customer>;
}

function run({ on, events = [], window = JUNE, now = window.from, policy = {}, customer: c = {} }: Run) {
  const automations = configSchema.parse({ automations: on }).automations;
  const input = {
    automations,
    customer: customer(c),
    events,
    window,
    now,
    policy: { ...basePolicy, ...policy },
  };
  return planCustomer(input, new TimeCache());
}

const birthdayAt = (at: string, extra: object = {}): RawConfig['automations'] => [
  { id: 'birthday', on: { birthday: true, at }, template: 'birthday', ...extra },
];

describe('where and enabled', () => {
  const on = (where: object, enabled = true) => birthdayAt('09:00', { where, enabled });
  it.each([
    [{}, 1],
    [{ tags: ['newsletter'] }, 1],
    [{ tags: ['newsletter', 'vip'] }, 1],
    [{ tags: ['newsletter', 'wholesale'] }, 0],
    [{ tags: ['Newsletter', 'VIP'] }, 1],
    [{ attributes: { plan: 'gold' } }, 1],
    [{ attributes: { plan: 'gold', city: 'Lyon' } }, 1],
    [{ attributes: { plan: 'Gold' } }, 0],
    [{ attributes: { missing: '' } }, 0],
    [{ tags: ['vip'], attributes: { city: 'Paris' } }, 0],
  ])('%j → %i', (where, count) => {
    expect(run({ on: on(where) })).toHaveLength(count);
  });

  it('skips disabled automations', () => {
    expect(run({ on: on({}, false) })).toEqual([]);
  });
});

describe('send window', () => {
  const day = { start: 8 * 60, end: 20 * 60 };
  const night = { start: 22 * 60, end: 6 * 60 };
  it.each([
    [day, '07:00', '2027-06-15T08:00:00+02:00'],
    [day, '08:00', '2027-06-15T08:00:00+02:00'],
    [day, '19:59', '2027-06-15T19:59:00+02:00'],
    [day, '20:00', '2027-06-16T08:00:00+02:00'],
    [day, '23:30', '2027-06-16T08:00:00+02:00'],
    [day, '00:00', '2027-06-15T08:00:00+02:00'],
    [night, '09:00', '2027-06-15T22:00:00+02:00'],
    [night, '06:00', '2027-06-15T22:00:00+02:00'],
    [night, '23:00', '2027-06-15T23:00:00+02:00'],
    [night, '05:59', '2027-06-15T05:59:00+02:00'],
    [night, '00:00', '2027-06-15T00:00:00+02:00'],
    [{ start: 600, end: 600 }, '03:00', '2027-06-15T03:00:00+02:00'],
  ])('%j: due %s → %s', (sendWindow, at, expected) => {
    const [p] = run({ on: birthdayAt(at), policy: { sendWindow } });
    expect(p?.triggerAt).toBe(ms(`2027-06-15T${at}:00+02:00`));
    expect(p?.dueAt).toBe(ms(expected));
    expect(p?.localTime).toBe(expected);
  });

  it('transactional mail ignores the window', () => {
    const [p] = run({ on: birthdayAt('03:00', { transactional: true }), policy: { sendWindow: day } });
    expect(p).toMatchObject({ transactional: true, localTime: '2027-06-15T03:00:00+02:00' });
    expect(p?.dueAt).toBe(p?.triggerAt);
  });

  it('a window start in a DST gap is moved forward by the gap', () => {
    const [p] = run({
      on: [{ id: 'd', on: { date: '03-14', at: '01:00' }, template: 'd' }],
      customer: { timezone: 'America/New_York' },
      window: { from: ms('2027-03-01T00:00Z'), to: ms('2027-04-01T00:00Z') },
      policy: { sendWindow: { start: 150, end: 20 * 60 } },
    });
    expect(p?.localTime).toBe('2027-03-14T03:30:00-04:00');
  });
});

describe('exit condition (unless)', () => {
  const followUp: RawConfig['automations'] = [
    {
      id: 'how-did-it-go',
      on: { event: 'purchase', after: '7d', at: '10:00' },
      unless: { event: 'purchase', within: '7d' },
      template: 'follow-up',
    },
  ];
  const p1 = event('p1', '2027-06-01T09:00:00+02:00'); // due 2027-06-08 10:00
  const window = { from: ms('2027-06-08T00:00Z'), to: ms('2027-06-09T00:00Z') };

  it('skips when such an event followed within `within`, by now', () => {
    const planned = run({ on: followUp, events: [p1, event('p2', '2027-06-03T12:00:00+02:00')], window });
    expect(planned.map((p) => [p.occurrence, p.status, p.reason])).toEqual([
      ['p1', 'skipped', 'exit-condition'],
    ]);
    const edge = event('p2', '2027-06-08T09:00:00+02:00'); // exactly `within` later
    const now = ms('2027-06-08T09:30:00+02:00');
    expect(run({ on: followUp, events: [p1, edge], window, now }).map((p) => p.reason)).toEqual([
      'exit-condition',
    ]);
  });

  it('stays pending when the later event is after `within`, or not yet happened', () => {
    const late = event('p2', '2027-06-08T09:00:00.001+02:00');
    expect(run({ on: followUp, events: [p1, late], window }).map((p) => p.status)).toEqual(['pending']);
    const future = event('p2', '2027-06-03T12:00:00+02:00');
    const planned = run({ on: followUp, events: [p1, future], window, now: ms('2027-06-02T00:00Z') });
    expect(planned.map((p) => [p.occurrence, p.status])).toEqual([['p1', 'pending']]);
  });

  it('exitConditionMet: strictly after, within inclusive, at or before now, never the trigger itself', () => {
    const a = { unless: { event: 'purchase', within: DAY } };
    const t = { id: 'p1', occurred_at: ms('2027-06-01T12:00Z') };
    const at = (iso: string, id = 'p2', type = 'purchase') => [{ id, type, occurred_at: ms(iso) }];
    const now = ms('2030-01-01T00:00Z');
    expect(exitConditionMet(a, t, at('2027-06-01T12:00:00.001Z'), now)).toBe(true);
    expect(exitConditionMet(a, t, at('2027-06-02T12:00Z'), now)).toBe(true);
    expect(exitConditionMet(a, t, at('2027-06-02T12:00:00.001Z'), now)).toBe(false);
    expect(exitConditionMet(a, t, at('2027-06-01T12:00Z'), now)).toBe(false);
    expect(exitConditionMet(a, t, at('2027-06-01T13:00Z', 'p1'), now)).toBe(false);
    expect(exitConditionMet(a, t, at('2027-06-01T13:00Z', 'v', 'visit'), now)).toBe(false);
    expect(exitConditionMet(a, t, at('2027-06-01T13:00Z'), ms('2027-06-01T13:00Z'))).toBe(true);
    expect(exitConditionMet(a, t, at('2027-06-01T13:00Z'), ms('2027-06-01T12:59Z'))).toBe(false);
    expect(exitConditionMet({}, t, at('2027-06-01T13:00Z'), now)).toBe(false);
  });
});

describe('lateness', () => {
  const dueAt = ms('2027-06-15T09:00:00+02:00');
  it.each([
    [dueAt + DAY, 'pending', null],
    [dueAt + DAY + 1, 'expired', 'expired'],
    [dueAt - 30 * DAY, 'pending', null],
  ])('now = due + %s ms → %s', (now, status, reason) => {
    expect(run({ on: birthdayAt('09:00'), now })).toMatchObject([{ dueAt, status, reason }]);
  });

  it('measures lateness from the deferred due time', () => {
    const planned = run({
      on: birthdayAt('21:00'),
      policy: { sendWindow: { start: 480, end: 1200 } },
      now: ms('2027-06-16T12:00:00+02:00'),
    });
    expect(planned.map((p) => [p.localTime, p.status])).toEqual([['2027-06-16T08:00:00+02:00', 'pending']]);
  });
});

describe('output', () => {
  it('is sorted by dueAt, then automation order', () => {
    const on: RawConfig['automations'] = [
      { id: 'late', on: { date: '06-15', at: '18:00' }, template: 'x' },
      { id: 'b', on: { birthday: true, at: '09:00' }, template: 'x' },
      { id: 'a', on: { date: '06-15', at: '09:00' }, template: 'x' },
      { id: 'early', on: { date: '06-10' }, template: 'x' },
    ];
    expect(run({ on }).map((p: PlannedDelivery) => p.automationId)).toEqual(['early', 'b', 'a', 'late']);
  });

  it('carries ids, keys and both times', () => {
    const [p] = run({ on: birthdayAt('09:00'), customer: { id: 'cust-7', timezone: null } });
    expect(p).toEqual({
      automationId: 'birthday',
      customerId: 'cust-7',
      occurrence: '2027',
      triggerAt: ms('2027-06-15T09:00Z'),
      dueAt: ms('2027-06-15T09:00Z'),
      localTime: '2027-06-15T09:00:00Z',
      eventId: null,
      transactional: false,
      status: 'pending',
      reason: null,
    });
  });

  it('localIso writes what luxon toISO({ suppressMilliseconds }) writes', () => {
    const cache = new TimeCache();
    const zones = [
      'UTC',
      'Etc/UTC',
      'Europe/London',
      'Asia/Kathmandu',
      'America/St_Johns',
      'Etc/GMT+12',
      'Pacific/Chatham',
    ];
    const instants = [
      0,
      ms('2027-03-14T07:00:00.250Z'),
      ms('2026-10-25T01:30:59Z'),
      ms('1969-07-20T20:17:40Z'),
    ];
    for (let t = ms('2027-01-01T00:00Z'); t < ms('2028-01-01T00:00Z'); t += 7 * DAY + 3_723_001)
      instants.push(t);
    for (const zone of [...zones, 'Asia/Kolkata']) {
      for (const t of [...instants, ms('1900-01-01T00:00Z')]) {
        expect(localIso(cache, zone, t), `${zone} ${t}`).toBe(
          DateTime.fromMillis(t, { zone }).toISO({ suppressMilliseconds: true }),
        );
      }
    }
  });
});

describe('planPolicyFromConfig', () => {
  it('maps the sending section and the business zone', () => {
    const config = configSchema.parse({
      business: { timezone: 'Asia/Tokyo' },
      sending: { window: { start: '08:00', end: '20:00' }, leap_day: 'mar1', max_lateness: '2h' },
    });
    expect(planPolicyFromConfig(config)).toEqual({
      defaultZone: 'Asia/Tokyo',
      leapDay: 'mar1',
      sendWindow: { start: 480, end: 1200 },
      maxLateness: 2 * HOUR,
    });
  });

  it('has no send window and the documented defaults when unset', () => {
    expect(planPolicyFromConfig(configSchema.parse({}))).toEqual({
      defaultZone: 'UTC',
      leapDay: 'feb28',
      maxLateness: DAY,
    });
  });
});
