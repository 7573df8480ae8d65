/** Which customers a tick looks at for a holiday rule: only zones where the occasion is today at `at`. */
import { describe, expect, it } from 'vitest';
import { candidateSources } from '../../src/schedule/candidates.js';
import { OccasionCalendar } from '../../src/occasions/resolve.js';
import { TimeCache } from '../../src/plan/time.js';
import type { PlanPolicy } from '../../src/plan/types.js';
import type { Automation } from '../../src/config/schema.js';

const policy: PlanPolicy = {
  defaultZone: 'UTC',
  leapDay: 'feb28',
  maxLateness: 86_400_000,
  defaultCountry: 'US',
};
const minute = (iso: string) => ({ from: Date.parse(iso), to: Date.parse(iso) + 60_000 });
const thanksgiving = {
  id: 't',
  on: { holiday: 'thanksgiving', at: 600 },
  template: 't',
  transactional: false,
  enabled: true,
} as Automation;
const context = (places: Array<{ country: string | null; region: string | null }>) => ({
  zones: { zones: ['America/New_York', 'America/Toronto', 'America/Halifax', null] },
  policy,
  cache: new TimeCache(),
  occasions: { calendar: new OccasionCalendar(), places },
});
const PLACES = [
  { country: 'US', region: null },
  { country: 'CA', region: 'ON' },
  { country: 'CA', region: 'NS' },
  { country: null, region: null },
];

describe('holiday rule candidates', () => {
  it("selects the zones where it is 10:00 on one of the places' dates, and nobody on other days", () => {
    // 10:00 in New York and Toronto on US Thanksgiving.
    expect(candidateSources([thanksgiving], minute('2026-11-26T15:00:00Z'), context(PLACES))).toEqual([
      {
        kind: 'customers',
        selector: {
          kind: 'zoned',
          entries: [
            { zone: 'America/New_York', monthDays: null },
            { zone: 'America/Toronto', monthDays: null },
          ],
        },
      },
    ]);
    // 10:00 in Halifax on Ontario's Thanksgiving: a Halifax customer might be from Ontario.
    expect(candidateSources([thanksgiving], minute('2026-10-12T13:00:00Z'), context(PLACES))).toEqual([
      {
        kind: 'customers',
        selector: { kind: 'zoned', entries: [{ zone: 'America/Halifax', monthDays: null }] },
      },
    ]);
    expect(candidateSources([thanksgiving], minute('2026-11-25T15:00:00Z'), context(PLACES))).toEqual([]);
    // Without anyone in Ontario, Oct 12 is nobody's Thanksgiving.
    expect(
      candidateSources(
        [thanksgiving],
        minute('2026-10-12T14:00:00Z'),
        context([{ country: 'US', region: null }]),
      ),
    ).toEqual([]);
  });

  it('long windows select everyone only when an occasion date is near', () => {
    const window = { from: Date.parse('2026-11-20T00:00:00Z'), to: Date.parse('2026-11-24T00:00:00Z') };
    expect(candidateSources([thanksgiving], window, context(PLACES))).toEqual([]);
    const around = { from: Date.parse('2026-11-24T00:00:00Z'), to: Date.parse('2026-11-28T00:00:00Z') };
    expect(candidateSources([thanksgiving], around, context(PLACES))).toEqual([
      { kind: 'customers', selector: { kind: 'all' } },
    ]);
  });
});
