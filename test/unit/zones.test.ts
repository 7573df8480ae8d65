import { describe, expect, it } from 'vitest';
import { zonedMonthDays, zonedSelector } from '../../src/schedule/zones.js';
import { candidateSources } from '../../src/schedule/candidates.js';
import { TimeCache } from '../../src/plan/time.js';
import type { PlanPolicy } from '../../src/plan/types.js';
import type { Automation } from '../../src/config/schema.js';

const policy: PlanPolicy = { defaultZone: 'UTC', leapDay: 'feb28', maxLateness: 86_400_000 };
const minute = (iso: string) => ({ from: Date.parse(iso), to: Date.parse(iso) + 60_000 });
const zones = { zones: ['America/New_York', 'Asia/Tokyo', 'Asia/Kathmandu', null] };

function automation(on: Automation['on']): Automation {
  return { id: 'a', on, template: 't', transactional: false, enabled: true } as Automation;
}

describe('zone-precise candidates for a tick', () => {
  it('selects only the zones whose local 09:00 is inside the window, with that local date', () => {
    // 14:00Z on 2027-03-10 is 09:00 in New York (EST); 09:00 in Kathmandu was 03:15Z.
    expect(zonedMonthDays(540, zones, minute('2027-03-10T14:00:00Z'), policy, new TimeCache())).toEqual([
      { zone: 'America/New_York', monthDays: [310] },
    ]);
    expect(zonedMonthDays(540, zones, minute('2027-03-10T03:15:00Z'), policy, new TimeCache())).toEqual([
      { zone: 'Asia/Kathmandu', monthDays: [310] },
    ]);
    // Customers without a zone use the business's zone (UTC here).
    expect(zonedMonthDays(540, zones, minute('2027-03-10T09:00:00Z'), policy, new TimeCache())).toEqual([
      { zone: null, monthDays: [310] },
    ]);
  });

  it('includes Feb 29 birthdays on the day they are celebrated in other years', () => {
    const feb28 = zonedMonthDays(540, zones, minute('2027-02-28T14:00:00Z'), policy, new TimeCache());
    expect(feb28).toEqual([{ zone: 'America/New_York', monthDays: [228, 229] }]);
    const mar1 = zonedMonthDays(
      540,
      zones,
      minute('2027-03-01T14:00:00Z'),
      { ...policy, leapDay: 'mar1' },
      new TimeCache(),
    );
    expect(mar1).toEqual([{ zone: 'America/New_York', monthDays: [301, 229] }]);
    // In a leap year Feb 28 is just Feb 28.
    expect(zonedMonthDays(540, zones, minute('2028-02-28T14:00:00Z'), policy, new TimeCache())).toEqual([
      { zone: 'America/New_York', monthDays: [228] },
    ]);
  });

  it('selects a date rule or a schedule only where it fires, never everyone', () => {
    const holiday = automation({ date: '12-24', at: 600 } as Automation['on']);
    expect(
      zonedSelector(holiday, null, zones, minute('2027-12-24T15:00:00Z'), policy, new TimeCache()),
    ).toEqual({
      kind: 'zoned',
      entries: [{ zone: 'America/New_York', monthDays: null }],
    });
    expect(
      zonedSelector(holiday, null, zones, minute('2027-12-23T15:00:00Z'), policy, new TimeCache()),
    ).toBeNull();
    // Monday 2027-03-08 09:00 in Tokyo is 00:00Z.
    const digest = automation({ schedule: '0 9 * * 1' } as Automation['on']);
    expect(
      zonedSelector(digest, null, zones, minute('2027-03-08T00:00:00Z'), policy, new TimeCache()),
    ).toEqual({
      kind: 'zoned',
      entries: [{ zone: 'Asia/Tokyo', monthDays: null }],
    });
  });

  it('falls back to month-days alone for long windows (catch-up, forecasts)', () => {
    const birthday = automation({ birthday: true, at: 540 } as Automation['on']);
    const window = { from: Date.parse('2027-03-01T00:00:00Z'), to: Date.parse('2027-03-05T00:00:00Z') };
    const zoned = { zones, policy, cache: new TimeCache() };
    const [source] = candidateSources([birthday], window, zoned);
    expect(source).toMatchObject({ kind: 'customers', selector: { kind: 'birth_md' } });
  });
});
