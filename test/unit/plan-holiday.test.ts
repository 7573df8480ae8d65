/** Holiday rules in the planner: the local date and hour, DST, quiet days, once per year. */
import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { configSchema, type RawConfig } from '../../src/config/schema.js';
import type { Customer } from '../../src/domain.js';
import { OccasionCalendar } from '../../src/occasions/resolve.js';
import { planCustomer, planPolicyFromConfig, sendWindowFor } from '../../src/plan/plan.js';
import { TimeCache } from '../../src/plan/time.js';
import type { PlanPolicy, TimeWindow } from '../../src/plan/types.js';
import { storedCustomer } from '../support/records.js';

const ms = (iso: string): number => DateTime.fromISO(iso, { setZone: true }).toMillis();
const config = (raw: RawConfig) => configSchema.parse(raw);
const year = (y: number): TimeWindow => ({
  from: ms(`${y}-01-01T00:00Z`) - 86_400_000,
  to: ms(`${y + 1}-01-01T00:00Z`),
});

function plan(raw: RawConfig, customer: Partial<Customer>, window: TimeWindow, policy?: Partial<PlanPolicy>) {
  const c = config(raw);
  return planCustomer({
    automations: c.automations,
    customer: storedCustomer('c1', customer),
    events: [],
    window,
    now: window.from,
    policy: { ...planPolicyFromConfig(c), ...policy },
    occasions: new OccasionCalendar(c.occasions),
  });
}

const EASTER = [{ id: 'easter', on: { holiday: 'easter', at: '02:30' }, template: 'holiday' }];

describe('holiday rules', () => {
  it('Sydney, Easter Sunday 2026: 02:30 happens twice as daylight saving ends; the first is meant', () => {
    const [p] = plan(
      { automations: EASTER },
      { timezone: 'Australia/Sydney', country: 'AU', tags: ['easter'] },
      year(2026),
    );
    expect(p).toMatchObject({
      occurrence: '2026',
      localTime: '2026-04-05T02:30:00+11:00',
      dueAt: ms('2026-04-04T15:30Z'),
    });
    expect(p?.occasion).toMatchObject({ key: 'easter', date: '2026-04-05' });
  });

  it('one occurrence per local year, keyed by the year', () => {
    const window = { from: ms('2026-01-01T00:00Z'), to: ms('2029-01-01T00:00Z') };
    const found = plan({ automations: EASTER }, { timezone: 'Europe/Berlin', tags: ['easter'] }, window);
    expect(found.map((p) => [p.occurrence, p.localTime])).toEqual([
      ['2026', '2026-04-05T02:30:00+02:00'],
      ['2027', '2027-03-28T03:30:00+02:00'], // Europe springs forward that night: moved by the gap
      ['2028', '2028-04-16T02:30:00+02:00'],
    ]);
  });

  it("customers without a country keep the business's holidays; without either, none", () => {
    const raw = {
      business: { country: 'US' },
      automations: [{ id: 't', on: { holiday: 'thanksgiving' }, template: 'holiday' }],
    };
    const [p] = plan(raw, { timezone: 'America/Chicago' }, year(2026));
    expect(p?.localTime).toBe('2026-11-26T09:00:00-06:00');
    expect(
      plan(raw, { timezone: 'America/Toronto', country: 'CA', region: 'ON' }, year(2026))[0]?.localTime,
    ).toBe('2026-10-12T09:00:00-04:00');
    expect(plan({ automations: raw.automations }, { timezone: 'America/Toronto' }, year(2026))).toEqual([]);
  });
});

describe('sending.quiet_days', () => {
  const christmas = { id: 'xmas', on: { holiday: 'christmas', at: '10:00' }, template: 'holiday' };
  const who = { timezone: 'America/New_York', country: 'US' };

  it('marketing mail due on a quiet day waits for the next open day, from the window start', () => {
    const raw = {
      sending: { window: { start: '08:00', end: '20:00' }, quiet_days: ['12-25', '2026-12-26'] },
      automations: [christmas],
    };
    const [p] = plan(raw, who, year(2026));
    expect(p).toMatchObject({
      localTime: '2026-12-27T08:00:00-05:00',
      triggerAt: ms('2026-12-25T10:00-05:00'),
    });
  });

  it('without a window it waits for the next local midnight', () => {
    const [p] = plan({ sending: { quiet_days: ['12-25'] }, automations: [christmas] }, who, year(2026));
    expect(p?.localTime).toBe('2026-12-26T00:00:00-05:00');
  });

  it('transactional mail ignores quiet days', () => {
    const raw = { sending: { quiet_days: ['12-25'] }, automations: [{ ...christmas, transactional: true }] };
    const [p] = plan(raw, who, year(2026));
    expect(p?.localTime).toBe('2026-12-25T10:00:00-05:00');
  });

  it('holds at claim time too, by the customer-local date', () => {
    const policy = planPolicyFromConfig(config({ sending: { quiet_days: ['2027-01-01'] } }));
    const into = sendWindowFor(storedCustomer('c1', { timezone: 'Asia/Tokyo' }), policy, new TimeCache());
    // 2026-12-31T16:00Z is already New Year's Day in Tokyo.
    expect(into(ms('2026-12-31T16:00Z'))).toBe(ms('2027-01-02T00:00+09:00'));
    expect(into(ms('2026-12-31T14:00Z'))).toBe(ms('2026-12-31T14:00Z'));
  });
});
