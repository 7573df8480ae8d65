/** Yearly rules (birthday, anniversary, date) in many zones: one delivery per year, 09:00 local. */
import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { configSchema } from '../../src/config/schema.js';
import type { Automation, RawConfig } from '../../src/config/schema.js';
import type { Customer } from '../../src/domain.js';
import { planCustomer } from '../../src/plan/plan.js';
import { TimeCache } from '../../src/plan/time.js';
import type { PlanPolicy, PlannedDelivery, TimeWindow } from '../../src/plan/types.js';
import { storedCustomer } from '../support/records.js';

const ms = (iso: string): number => DateTime.fromISO(iso, { setZone: true }).toMillis();
const rules = (list: RawConfig['automations']) => configSchema.parse({ automations: list }).automations;

function customer(over: Partial<Customer>): Customer {
  const at = ms('2020-01-01T00:00Z');
  return storedCustomer('c1', { first_name: null, created_at: at, updated_at: at, ...over });
}

const policy: PlanPolicy = { defaultZone: 'America/New_York', leapDay: 'feb28', maxLateness: 86_400_000 };
const birthday = rules([{ id: 'birthday', on: { birthday: true }, template: 'birthday' }]);

/** The local calendar year in `zone`, as a window. */
const yearWindow = (zone: string, year: number): TimeWindow => ({
  from: DateTime.fromObject({ year }, { zone }).toMillis(),
  to: DateTime.fromObject({ year: year + 1 }, { zone }).toMillis(),
});

const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Paris',
  'Europe/London',
  'America/Havana',
  'America/St_Johns',
  'America/Sao_Paulo',
  'Etc/GMT+12',
  'Pacific/Kiritimati',
  'Pacific/Chatham',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Asia/Tokyo',
];

function daysOf(year: number): string[] {
  const days: string[] = [];
  for (let d = DateTime.utc(year, 1, 1); d.year === year; d = d.plus({ days: 1 }))
    days.push(d.toFormat('MM-dd'));
  return days;
}

function plan(c: Customer, window: TimeWindow, cache: TimeCache, p: PlanPolicy = policy): PlannedDelivery[] {
  return planCustomer(
    { automations: birthday, customer: c, events: [], window, now: window.from, policy: p },
    cache,
  );
}

describe('birthdays: every day of 2027 and 2028 in every zone', () => {
  const cache = new TimeCache();
  it.each(ZONES.flatMap((zone) => [2027, 2028].map((year) => [zone, year] as const)))(
    '%s %i',
    (zone, year) => {
      const window = yearWindow(zone, year);
      const days = daysOf(year);
      if (year === 2027) days.push('02-29');
      for (const monthDay of days) {
        const planned = plan(customer({ birthday: `1992-${monthDay}`, timezone: zone }), window, cache);
        const date = monthDay === '02-29' && year === 2027 ? '2027-02-28' : `${year}-${monthDay}`;
        const expected = DateTime.fromISO(`${date}T09:00`, { zone }).toMillis();
        expect(planned, `${zone} ${monthDay}`).toHaveLength(1);
        const [p] = planned as [PlannedDelivery];
        expect(p.occurrence).toBe(String(year));
        expect(p.triggerAt, `${zone} ${monthDay}`).toBe(expected);
        expect(p.dueAt).toBe(expected);
        expect(p.localTime.startsWith(`${date}T09:00:00`), p.localTime).toBe(true);
        expect(ms(p.localTime)).toBe(expected);
        expect(p).toMatchObject({ status: 'pending', reason: null, eventId: null, automationId: 'birthday' });
      }
    },
  );
});

describe('birthdays: day-sized windows tiling a year plan each birthday exactly once', () => {
  const BIRTHDAYS = [
    '01-01',
    '02-28',
    '02-29',
    '03-01',
    '03-14',
    '03-28',
    '04-04',
    '06-30',
    '10-25',
    '11-07',
    '12-31',
  ];
  it.each(['Pacific/Chatham', 'America/Havana', 'Etc/GMT+12'])('%s', (zone) => {
    const cache = new TimeCache();
    const seen = new Map<string, string[]>();
    for (
      let day = DateTime.fromObject({ year: 2027 }, { zone });
      day.year === 2027;
      day = day.plus({ days: 1 })
    ) {
      const window = { from: day.toMillis(), to: day.plus({ days: 1 }).toMillis() };
      for (const b of BIRTHDAYS) {
        for (const p of plan(customer({ birthday: b, timezone: zone }), window, cache, {
          ...policy,
          leapDay: 'mar1',
        })) {
          seen.set(b, [...(seen.get(b) ?? []), `${day.toISODate()}:${p.occurrence}`]);
        }
      }
    }
    for (const b of BIRTHDAYS) {
      const date = b === '02-29' ? '2027-03-01' : `2027-${b}`;
      expect(seen.get(b), b).toEqual([`${date}:2027`]);
    }
  });
});

describe('Feb 29 birthdays', () => {
  const window = { from: ms('2027-01-01T00:00Z'), to: ms('2029-01-01T00:00Z') };
  it.each([
    ['feb28', ['2027-02-28T09:00:00+09:00', '2028-02-29T09:00:00+09:00']],
    ['mar1', ['2027-03-01T09:00:00+09:00', '2028-02-29T09:00:00+09:00']],
  ] as const)('%s', (leapDay, expected) => {
    const c = customer({ birthday: '2000-02-29', timezone: 'Asia/Tokyo' });
    const planned = plan(c, window, new TimeCache(), { ...policy, leapDay });
    expect(planned.map((p) => [p.occurrence, p.localTime])).toEqual([
      ['2027', expected[0]],
      ['2028', expected[1]],
    ]);
    expect(planned.map((p) => p.triggerAt)).toEqual(expected.map(ms));
  });
});

describe('other yearly rules', () => {
  const window = { from: ms('2024-01-01T00:00Z'), to: ms('2028-01-01T00:00Z') };
  const run = (c: Customer, on: Automation[]) =>
    planCustomer(
      { automations: on, customer: c, events: [], window, now: window.from, policy },
      new TimeCache(),
    );

  it('birthdays start the year after birth; MM-DD birthdays every year; at is honoured', () => {
    const on = rules([{ id: 'b', on: { birthday: true, at: '07:15' }, template: 'b' }]);
    const born = run(customer({ birthday: '2025-05-01', timezone: 'Europe/Paris' }), on);
    expect(born.map((p) => p.localTime)).toEqual(['2026-05-01T07:15:00+02:00', '2027-05-01T07:15:00+02:00']);
    expect(run(customer({ birthday: '05-01', timezone: 'Europe/Paris' }), on)).toHaveLength(4);
    expect(run(customer({ birthday: 'not-a-date' }), on)).toEqual([]);
    expect(run(customer({ birthday: '2025-02-30' }), on)).toEqual([]);
  });

  it('anniversaries start the year after customer_since', () => {
    const on = rules([{ id: 'a', on: { anniversary: 'customer_since' }, template: 'a' }]);
    const planned = run(customer({ customer_since: '2025-03-20', timezone: 'America/St_Johns' }), on);
    expect(planned.map((p) => [p.occurrence, p.localTime])).toEqual([
      ['2026', '2026-03-20T09:00:00-02:30'],
      ['2027', '2027-03-20T09:00:00-02:30'],
    ]);
  });

  it('date rules fire every year in the customer zone, default zone when none', () => {
    const on = rules([{ id: 'eve', on: { date: '12-24', at: '10:00' }, template: 'h' }]);
    const planned = run(customer({ timezone: null }), on);
    expect(planned.map((p) => [p.occurrence, p.localTime])).toEqual(
      ['2024', '2025', '2026', '2027'].map((y) => [y, `${y}-12-24T10:00:00-05:00`]),
    );
    const badZone = run(customer({ timezone: 'Mars/Olympus' }), on);
    expect(badZone.map((p) => p.triggerAt)).toEqual(planned.map((p) => p.triggerAt));
  });

  it('a window a few minutes long catches only the instant inside it', () => {
    const at = ms('2027-12-24T10:00:00+13:45');
    const c = customer({ timezone: 'Pacific/Chatham' });
    const on = rules([{ id: 'eve', on: { date: '12-24', at: '10:00' }, template: 'h' }]);
    const plan1 = (from: number, to: number) =>
      planCustomer({ automations: on, customer: c, events: [], window: { from, to }, now: from, policy });
    expect(plan1(at, at + 60_000)).toHaveLength(1);
    expect(plan1(at - 60_000, at)).toHaveLength(0); // to is exclusive
    expect(plan1(at + 1, at + 900_000)).toHaveLength(0);
  });
});
