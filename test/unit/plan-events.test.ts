/** Event, count and inactive rules. */
import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { configSchema } from '../../src/config/schema.js';
import type { RawConfig } from '../../src/config/schema.js';
import type { Customer, CustomerEvent } from '../../src/domain.js';
import { planCustomer } from '../../src/plan/plan.js';
import type { PlanPolicy, PlannedDelivery, TimeWindow } from '../../src/plan/types.js';
import { storedCustomer } from '../support/records.js';

const ms = (iso: string): number => DateTime.fromISO(iso, { setZone: true }).toMillis();
const DAY = 86_400_000;

function customer(over: Partial<Customer> = {}): Customer {
  return storedCustomer('c1', {
    first_name: null,
    timezone: 'America/New_York',
    created_at: ms('2027-01-05T12:00:00Z'),
    ...over,
  });
}

const event = (id: string, occurredAt: string, type = 'purchase', customerId = 'c1'): CustomerEvent => ({
  id,
  customer_id: customerId,
  type,
  occurred_at: ms(occurredAt),
  data: {},
});

const policy: PlanPolicy = { defaultZone: 'UTC', leapDay: 'feb28', maxLateness: 100 * 365 * DAY };

function plan(
  on: RawConfig['automations'],
  events: CustomerEvent[],
  window: TimeWindow,
  c: Customer = customer(),
): PlannedDelivery[] {
  const automations = configSchema.parse({ automations: on }).automations;
  return planCustomer({ automations, customer: c, events, window, now: window.from, policy });
}

const YEAR_2027 = { from: ms('2027-01-01T00:00Z'), to: ms('2028-01-01T00:00Z') };
const brief = (p: PlannedDelivery) => [p.occurrence, p.localTime, p.eventId];

describe('event rules', () => {
  const events = [
    event('e1', '2027-05-10T08:00:00-04:00'),
    event('e2', '2027-05-10T10:00:00-04:00'),
    event('e3', '2027-05-10T10:00:01-04:00'),
    event('e4', '2027-03-07T12:00:00-05:00'),
    event('v1', '2027-05-10T10:00:00-04:00', 'visit'),
    event('x1', '2027-05-10T10:00:00-04:00', 'purchase', 'someone-else'),
  ];

  it('after: occurred_at + after, exactly', () => {
    const planned = plan(
      [{ id: 'thanks', on: { event: 'purchase', after: '1h' }, template: 't' }],
      events,
      YEAR_2027,
    );
    expect(planned.map((p) => [p.occurrence, p.triggerAt, p.eventId])).toEqual([
      ['e4', ms('2027-03-07T13:00:00-05:00'), 'e4'],
      ['e1', ms('2027-05-10T09:00:00-04:00'), 'e1'],
      ['e2', ms('2027-05-10T11:00:00-04:00'), 'e2'],
      ['e3', ms('2027-05-10T11:00:01-04:00'), 'e3'],
    ]);
    expect(planned[3]?.localTime).toBe('2027-05-10T11:00:01-04:00');
  });

  it('at: the next such local time at or after occurred_at + after, across DST', () => {
    const on = [{ id: 'follow', on: { event: 'purchase', after: '0', at: '10:00' }, template: 't' }];
    expect(plan(on, events, YEAR_2027).map(brief)).toEqual([
      ['e4', '2027-03-08T10:00:00-05:00', 'e4'],
      ['e1', '2027-05-10T10:00:00-04:00', 'e1'], // later the same day
      ['e2', '2027-05-10T10:00:00-04:00', 'e2'], // exactly at it
      ['e3', '2027-05-11T10:00:00-04:00', 'e3'], // a second late: next day
    ]);
    const week = [{ id: 'follow', on: { event: 'purchase', after: '7d', at: '10:00' }, template: 't' }];
    expect(plan(week, [events[3] as CustomerEvent], YEAR_2027).map(brief)).toEqual([
      ['e4', '2027-03-15T10:00:00-04:00', 'e4'],
    ]);
  });

  it('only events whose trigger time is in the window', () => {
    const on = [{ id: 'thanks', on: { event: 'purchase', after: '1h' }, template: 't' }];
    const window = { from: ms('2027-05-10T09:00:00-04:00'), to: ms('2027-05-10T11:00:01-04:00') };
    expect(plan(on, events, window).map((p) => p.occurrence)).toEqual(['e1', 'e2']);
  });
});

describe('count rules', () => {
  const on = [{ id: 'fifth', on: { event: 'purchase', count: 3, after: '2h' }, template: 't' }];
  const events = [
    event('p5', '2027-04-01T10:00:00Z'),
    event('p2', '2027-02-01T10:00:00Z'),
    event('p4', '2027-03-01T10:00:00Z'),
    event('p3b', '2027-03-01T10:00:00Z'), // same time as p4: ties go by id
    event('v', '2027-01-01T10:00:00Z', 'visit'),
    event('p1', '2027-01-15T10:00:00Z'),
  ];

  it('the N-th event by time then id, + after; occurrence is N', () => {
    expect(plan(on, events, YEAR_2027).map((p) => [p.occurrence, p.eventId, p.triggerAt])).toEqual([
      ['3', 'p3b', ms('2027-03-01T12:00:00Z')],
    ]);
  });

  it('nothing until there are N events', () => {
    expect(plan(on, events.slice(0, 2), YEAR_2027)).toEqual([]);
  });
});

describe('inactive rules', () => {
  const on = [
    { id: 'miss', on: { inactive: { event: 'purchase', for: '90d' }, at: '10:00' }, template: 't' },
  ];
  const wide = { from: ms('2027-01-01T00:00Z'), to: ms('2030-01-01T00:00Z') };

  it('with no such event: `for` after the customer was added, keyed by that date', () => {
    // created 2027-01-05 12:00Z = 07:00 in New York; +90d = 2027-04-05 08:00 EDT → 10:00.
    expect(plan(on, [event('v', '2027-02-01T10:00:00Z', 'visit')], wide).map(brief)).toEqual([
      ['2027-01-05', '2027-04-05T10:00:00-04:00', null],
    ]);
  });

  it('anchors on the latest event; the key is its UTC date, the same in every zone', () => {
    const c = customer({ timezone: 'Pacific/Kiritimati' });
    const events = [event('a', '2027-02-01T09:30:00Z'), event('b', '2027-02-10T23:00:00Z')];
    // b is 2027-02-11 13:00 +14:00; +90d = 2027-05-12 13:00 → next 10:00 is 2027-05-13.
    expect(plan(on, events, wide, c).map(brief)).toEqual([['2027-02-10', '2027-05-13T10:00:00+14:00', null]]);
    // A customer who moves zone keeps the key, so a spell already greeted is not greeted again.
    const moved = customer({ timezone: 'Etc/GMT+12' });
    expect(plan(on, events, wide, moved).map((p) => p.occurrence)).toEqual(['2027-02-10']);
  });

  it('a new event re-arms with a new anchor; one delivery per spell', () => {
    const first = [event('a', '2027-02-01T15:00:00Z')];
    const second = [...first, event('b', '2027-06-01T15:00:00Z')];
    const [spell1] = plan(on, first, wide);
    const [spell2] = plan(on, second, wide);
    // 10:00 EST + 90 × 24 h is 11:00 EDT, past 10:00: the next day. `for` is exact time, not days.
    expect(spell1 && brief(spell1)).toEqual(['2027-02-01', '2027-05-03T10:00:00-04:00', null]);
    expect(spell2 && brief(spell2)).toEqual(['2027-06-01', '2027-08-31T10:00:00-04:00', null]);
    // Planned in the first spell's window, the second spell's data plans nothing there.
    const spell1Window = { from: ms('2027-05-03T00:00Z'), to: ms('2027-05-04T00:00Z') };
    expect(plan(on, first, spell1Window)).toHaveLength(1);
    expect(plan(on, second, spell1Window)).toHaveLength(0);
  });
});
