/** `schedule` rules: cron slots in the customer's zone, across DST changes. */
import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { configSchema } from '../../src/config/schema.js';
import { planCustomer } from '../../src/plan/plan.js';
import type { PlannedDelivery, TimeWindow } from '../../src/plan/types.js';
import { storedCustomer } from '../support/records.js';

const ms = (iso: string): number => DateTime.fromISO(iso, { setZone: true }).toMillis();

function plan(cron: string, zone: string, window: TimeWindow): PlannedDelivery[] {
  const automations = configSchema.parse({
    automations: [{ id: 'digest', on: { schedule: cron }, template: 'digest' }],
  }).automations;
  const customer = storedCustomer('c1', { first_name: null, timezone: zone });
  const policy = { defaultZone: 'UTC', leapDay: 'feb28' as const, maxLateness: 86_400_000 };
  return planCustomer({ automations, customer, events: [], window, now: window.from, policy });
}

const slots = (planned: PlannedDelivery[]) => planned.map((p) => [p.occurrence, p.localTime]);

/** A local day in `zone` as a window. */
const localDay = (zone: string, date: string): TimeWindow => {
  const start = DateTime.fromISO(date, { zone });
  return { from: start.toMillis(), to: start.plus({ days: 1 }).startOf('day').toMillis() };
};

describe('weekly schedule across DST changes', () => {
  const march = { from: ms('2027-03-01T00:00Z'), to: ms('2027-04-01T00:00Z') };

  it('America/New_York (EDT from Mar 14)', () => {
    expect(slots(plan('0 9 * * 1', 'America/New_York', march))).toEqual([
      ['2027-03-01T09:00', '2027-03-01T09:00:00-05:00'],
      ['2027-03-08T09:00', '2027-03-08T09:00:00-05:00'],
      ['2027-03-15T09:00', '2027-03-15T09:00:00-04:00'],
      ['2027-03-22T09:00', '2027-03-22T09:00:00-04:00'],
      ['2027-03-29T09:00', '2027-03-29T09:00:00-04:00'],
    ]);
  });

  it('Europe/Paris (CEST from Mar 28)', () => {
    const planned = plan('0 9 * * 1', 'Europe/Paris', march);
    expect(slots(planned)).toEqual([
      ['2027-03-01T09:00', '2027-03-01T09:00:00+01:00'],
      ['2027-03-08T09:00', '2027-03-08T09:00:00+01:00'],
      ['2027-03-15T09:00', '2027-03-15T09:00:00+01:00'],
      ['2027-03-22T09:00', '2027-03-22T09:00:00+01:00'],
      ['2027-03-29T09:00', '2027-03-29T09:00:00+02:00'],
    ]);
    expect(planned.map((p) => p.triggerAt)).toEqual(planned.map((p) => ms(p.localTime)));
  });

  it('America/New_York back to EST on Nov 7', () => {
    const november = { from: ms('2027-11-01T00:00Z'), to: ms('2027-11-09T00:00Z') };
    expect(slots(plan('0 9 * * 1', 'America/New_York', november))).toEqual([
      ['2027-11-01T09:00', '2027-11-01T09:00:00-04:00'],
      ['2027-11-08T09:00', '2027-11-08T09:00:00-05:00'],
    ]);
  });

  it('a year of Mondays is 52 slots; a 15-minute window holds at most one', () => {
    expect(
      plan('0 9 * * 1', 'Pacific/Chatham', { from: ms('2027-01-01T00:00Z'), to: ms('2028-01-01T00:00Z') }),
    ).toHaveLength(52);
    const at = ms('2027-03-15T09:00:00-04:00');
    expect(plan('0 9 * * 1', 'America/New_York', { from: at - 60_000, to: at + 14 * 60_000 })).toHaveLength(
      1,
    );
    expect(plan('0 9 * * 1', 'America/New_York', { from: at + 1, to: at + 15 * 60_000 })).toHaveLength(0);
  });
});

describe('slots in gaps and repeated hours', () => {
  it('a slot in the spring-forward gap moves forward by the gap, keeping its key', () => {
    const window = { from: ms('2027-03-13T00:00:00-05:00'), to: ms('2027-03-16T00:00:00-04:00') };
    expect(slots(plan('30 2 * * *', 'America/New_York', window))).toEqual([
      ['2027-03-13T02:30', '2027-03-13T02:30:00-05:00'],
      ['2027-03-14T02:30', '2027-03-14T03:30:00-04:00'],
      ['2027-03-15T02:30', '2027-03-15T02:30:00-04:00'],
    ]);
  });

  /** Independent oracle: real instants every 30 minutes, each wall-clock time once (the first). */
  function halfHours(zone: string, window: TimeWindow): string[][] {
    const seen = new Set<string>();
    const out: string[][] = [];
    for (let t = window.from; t < window.to; t += 30 * 60_000) {
      const dt = DateTime.fromMillis(t, { zone });
      const key = dt.toFormat("yyyy-MM-dd'T'HH:mm");
      if (!seen.has(key)) out.push([key, dt.toISO({ suppressMilliseconds: true }) ?? '']);
      seen.add(key);
    }
    return out;
  }

  it.each([
    ['America/New_York', '2027-03-14', 46],
    ['America/New_York', '2027-11-07', 48],
    ['Europe/Paris', '2026-10-25', 48],
    ['Australia/Lord_Howe', '2027-04-04', 48],
    ['Australia/Lord_Howe', '2026-10-04', 47],
    ['Pacific/Chatham', '2027-04-04', 48],
    ['America/Havana', '2026-03-08', 46],
  ])('*/30 in %s on %s: every real half hour once, no duplicate instants (%i)', (zone, date, count) => {
    const planned = plan('*/30 * * * *', zone, localDay(zone, date));
    expect(slots(planned)).toEqual(halfHours(zone, localDay(zone, date)));
    expect(planned).toHaveLength(count);
  });

  it('a repeated hour fires once, at the first instant (croner alone picks the later in Lord Howe)', () => {
    expect(
      slots(plan('45 1 * * *', 'Australia/Lord_Howe', localDay('Australia/Lord_Howe', '2027-04-04'))),
    ).toEqual([['2027-04-04T01:45', '2027-04-04T01:45:00+11:00']]);
    expect(slots(plan('30 1 * * *', 'America/New_York', localDay('America/New_York', '2027-11-07')))).toEqual(
      [['2027-11-07T01:30', '2027-11-07T01:30:00-04:00']],
    );
  });

  it('a skipped day (Pacific/Apia 2011-12-30) yields no duplicate', () => {
    const window = { from: ms('2011-12-29T00:00:00-10:00'), to: ms('2012-01-01T00:00:00+14:00') };
    expect(slots(plan('0 9 * * *', 'Pacific/Apia', window))).toEqual([
      ['2011-12-29T09:00', '2011-12-29T09:00:00-10:00'],
      ['2011-12-31T09:00', '2011-12-31T09:00:00+14:00'],
    ]);
  });

  it.each([
    ['Etc/GMT+12', '2027-01-01T00:00:00-12:00'],
    ['Pacific/Kiritimati', '2027-01-01T00:00:00+14:00'],
    ['Asia/Kathmandu', '2027-01-01T00:00:00+05:45'],
    ['America/St_Johns', '2027-01-01T00:00:00-03:30'],
  ])('New Year at midnight in %s', (zone, expected) => {
    const window = { from: ms('2026-12-31T00:00Z'), to: ms('2027-01-02T00:00Z') };
    expect(slots(plan('0 0 1 1 *', zone, window))).toEqual([['2027-01-01T00:00', expected]]);
  });
});
