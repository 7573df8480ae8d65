import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { TimeCache, localDateTimeOf, nextLocalTime, resolveLocal, yearlyDate } from '../../src/plan/time.js';
import { formatDate } from '../../src/plan/calendar.js';

/** Epoch ms of an ISO string with an explicit offset: the independent oracle. */
const ms = (iso: string): number => {
  const dt = DateTime.fromISO(iso, { setZone: true });
  if (!dt.isValid) throw new Error(`bad ISO in test: ${iso}`);
  return dt.toMillis();
};
const hm = (text: string): number => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));

// zone, local date, local time, the instant expected (with its offset), why
const CASES: [string, string, string, string, string][] = [
  ['America/New_York', '2027-03-14', '02:30', '2027-03-14T03:30-04:00', 'gap: forward by the gap'],
  ['America/New_York', '2027-03-14', '02:00', '2027-03-14T03:00-04:00', 'gap start'],
  ['America/New_York', '2027-03-14', '03:00', '2027-03-14T03:00-04:00', 'first time after the gap'],
  ['America/New_York', '2027-11-07', '01:30', '2027-11-07T01:30-04:00', 'overlap: the first (EDT)'],
  ['America/New_York', '2027-11-07', '01:00', '2027-11-07T01:00-04:00', 'overlap start'],
  ['America/New_York', '2027-11-07', '02:00', '2027-11-07T02:00-05:00', 'after the overlap'],
  ['Europe/Paris', '2026-10-25', '02:30', '2026-10-25T02:30+02:00', 'overlap luxon gets wrong'],
  ['Europe/Paris', '2026-03-29', '02:30', '2026-03-29T03:30+02:00', 'gap'],
  ['Europe/Paris', '2027-07-01', '09:00', '2027-07-01T09:00+02:00', 'summer'],
  ['America/Havana', '2026-11-01', '00:30', '2026-11-01T00:30-04:00', 'overlap at midnight'],
  ['America/Havana', '2026-03-08', '00:30', '2026-03-08T01:30-04:00', 'gap at midnight'],
  ['America/Havana', '2026-03-08', '00:00', '2026-03-08T01:00-04:00', 'midnight does not exist'],
  ['Pacific/Apia', '2011-12-30', '09:00', '2011-12-31T09:00+14:00', 'a skipped day'],
  ['Pacific/Apia', '2011-12-30', '00:00', '2011-12-31T00:00+14:00', 'a skipped midnight'],
  ['Pacific/Apia', '2011-12-29', '23:59', '2011-12-29T23:59-10:00', 'last minute before'],
  ['Pacific/Apia', '2011-12-31', '09:00', '2011-12-31T09:00+14:00', 'the day after'],
  ['Etc/GMT+12', '2027-01-01', '09:00', '2027-01-01T09:00-12:00', 'UTC-12'],
  ['Etc/GMT+12', '2027-12-31', '23:59', '2027-12-31T23:59-12:00', 'UTC-12, year end'],
  ['Pacific/Kiritimati', '2027-01-01', '00:00', '2027-01-01T00:00+14:00', 'UTC+14'],
  ['Pacific/Kiritimati', '2028-02-29', '09:00', '2028-02-29T09:00+14:00', 'UTC+14, leap day'],
  ['Pacific/Chatham', '2027-01-15', '09:00', '2027-01-15T09:00+13:45', 'summer +13:45'],
  ['Pacific/Chatham', '2027-07-15', '09:00', '2027-07-15T09:00+12:45', 'winter +12:45'],
  ['Pacific/Chatham', '2027-04-04', '03:15', '2027-04-04T03:15+13:45', 'overlap: first'],
  ['Pacific/Chatham', '2026-09-27', '03:00', '2026-09-27T04:00+13:45', 'gap'],
  ['Asia/Kathmandu', '2027-06-01', '09:00', '2027-06-01T09:00+05:45', '+5:45'],
  ['Asia/Kathmandu', '2027-06-01', '00:00', '2027-06-01T00:00+05:45', '+5:45 midnight'],
  ['America/St_Johns', '2027-01-10', '09:00', '2027-01-10T09:00-03:30', 'winter -3:30'],
  ['America/St_Johns', '2027-07-10', '09:00', '2027-07-10T09:00-02:30', 'summer -2:30'],
  ['America/St_Johns', '2027-03-14', '02:30', '2027-03-14T03:30-02:30', 'gap'],
  ['America/St_Johns', '2027-11-07', '01:30', '2027-11-07T01:30-02:30', 'overlap: first'],
  ['Australia/Lord_Howe', '2027-04-04', '01:45', '2027-04-04T01:45+11:00', '30-min overlap: first'],
  ['Australia/Lord_Howe', '2027-04-04', '02:00', '2027-04-04T02:00+10:30', 'after the overlap'],
  ['Australia/Lord_Howe', '2026-10-04', '02:15', '2026-10-04T02:45+11:00', '30-min gap'],
  ['UTC', '2027-06-01', '09:00', '2027-06-01T09:00Z', 'UTC'],
  [
    'Asia/Kolkata',
    '1900-03-01',
    '09:00',
    '1900-03-01T03:38:50Z',
    'Madras time +5:21:10, an offset with seconds',
  ],
];

describe('resolveLocal', () => {
  it.each(CASES)('%s %s %s → %s (%s)', (zone, date, time, expected) => {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    expect(new Date(resolveLocal(zone, y, m, d, hm(time))).toISOString()).toBe(
      new Date(ms(expected)).toISOString(),
    );
  });

  it('gives the same answers through a TimeCache, cold and warm', () => {
    const cache = new TimeCache();
    for (let round = 0; round < 2; round++) {
      for (const [zone, date, time, expected] of CASES) {
        const [y, m, d] = date.split('-').map(Number) as [number, number, number];
        expect(cache.resolveLocal(zone, y, m, d, hm(time)), `${zone} ${date} ${time}`).toBe(ms(expected));
      }
    }
  });
});

/**
 * Independent oracle around every transition of a year: walk real instants 15 minutes apart
 * and record the first instant each wall-clock time is seen. A wall time never seen is in a
 * gap and must move forward by the gap's length.
 */
function checkTransitions(zone: string, year: number): number {
  const cache = new TimeCache();
  let checked = 0;
  const start = DateTime.fromObject({ year }, { zone: 'UTC' }).toMillis();
  for (let day = start; day < start + 366 * 86_400_000; day += 86_400_000) {
    const offsetAt = (t: number): number => DateTime.fromMillis(t, { zone }).offset;
    if (offsetAt(day) === offsetAt(day + 86_400_000)) continue;
    const first = new Map<string, number>();
    const from = day - 2 * 86_400_000;
    for (let t = from; t < day + 3 * 86_400_000; t += 15 * 60_000) {
      const key = DateTime.fromMillis(t, { zone }).toFormat("yyyy-MM-dd'T'HH:mm");
      if (!first.has(key)) first.set(key, t);
    }
    const transition = [...Array(96 * 5).keys()]
      .map((i) => from + i * 15 * 60_000)
      .find((t) => offsetAt(t) !== offsetAt(from));
    expect(transition, `${zone} transition near ${new Date(day).toISOString()}`).toBeDefined();
    const before = offsetAt((transition as number) - 1);
    for (let i = 96; i < 96 * 4; i++) {
      const wall = DateTime.fromMillis(from + i * 15 * 60_000, { zone: 'UTC' });
      const key = wall.toFormat("yyyy-MM-dd'T'HH:mm");
      const expected = first.get(key) ?? wall.toMillis() - before * 60_000;
      const got = cache.resolveLocal(zone, wall.year, wall.month, wall.day, wall.hour * 60 + wall.minute);
      expect(got, `${zone} ${key}`).toBe(expected);
      checked++;
    }
  }
  return checked;
}

describe('resolveLocal around every transition (brute-force oracle)', () => {
  it.each([
    ['America/New_York', 2027],
    ['Europe/Paris', 2026],
    ['America/Havana', 2026],
    ['Pacific/Chatham', 2027],
    ['America/St_Johns', 2027],
    ['Australia/Lord_Howe', 2027],
    ['Pacific/Apia', 2011],
  ])('%s %i', (zone, year) => {
    expect(checkTransitions(zone, year)).toBeGreaterThan(0);
  });
});

describe('yearlyDate', () => {
  it.each([
    [2027, 2, 29, 'feb28', '2027-02-28'],
    [2027, 2, 29, 'mar1', '2027-03-01'],
    [2028, 2, 29, 'feb28', '2028-02-29'],
    [2028, 2, 29, 'mar1', '2028-02-29'],
    [1900, 2, 29, 'mar1', '1900-03-01'],
    [2000, 2, 29, 'feb28', '2000-02-29'],
    [2027, 2, 28, 'mar1', '2027-02-28'],
    [2027, 3, 1, 'feb28', '2027-03-01'],
    [2027, 12, 31, 'feb28', '2027-12-31'],
  ] as const)('%i-%i-%i with %s → %s', (year, month, day, policy, expected) => {
    expect(formatDate(yearlyDate(year, month, day, policy))).toBe(expected);
  });
});

describe('local date of an instant', () => {
  it.each([
    ['2026-10-25T00:30:00Z', 'Europe/Paris', '2026-10-25', 150], // 02:30 CEST, first pass
    ['2026-10-25T01:30:00Z', 'Europe/Paris', '2026-10-25', 150], // 02:30 CET, second pass
    ['2027-01-01T10:00:00Z', 'Pacific/Kiritimati', '2027-01-02', 0],
    ['2027-01-01T11:59:00Z', 'Etc/GMT+12', '2026-12-31', 23 * 60 + 59],
    ['2027-06-01T18:15:00Z', 'Asia/Kathmandu', '2027-06-02', 0],
    ['2011-12-30T10:00:00Z', 'Pacific/Apia', '2011-12-31', 0],
    ['2027-03-14T07:00:00Z', 'America/New_York', '2027-03-14', 180],
  ])('%s in %s is %s, minute %i', (iso, zone, date, minute) => {
    const cache = new TimeCache();
    for (const local of [localDateTimeOf(zone, ms(iso)), cache.localDateTime(zone, ms(iso))]) {
      expect(formatDate(local)).toBe(date);
      expect(local.minuteOfDay).toBe(minute);
    }
  });

  it('is right at both sides of a transition inside a cached hour', () => {
    const cache = new TimeCache();
    // Lord Howe falls back from +11 to +10:30 at 15:00Z; warm the hour first.
    cache.localDateTime('Australia/Lord_Howe', ms('2027-04-03T14:50:00Z'));
    expect(cache.localDateTime('Australia/Lord_Howe', ms('2027-04-03T14:59:00Z')).minuteOfDay).toBe(119);
    expect(cache.localDateTime('Australia/Lord_Howe', ms('2027-04-03T15:00:00Z')).minuteOfDay).toBe(90);
  });
});

describe('nextLocalTime', () => {
  const cache = new TimeCache();
  it.each([
    ['2027-05-10T08:00:00-04:00', '10:00', '2027-05-10T10:00-04:00', 'later the same day'],
    ['2027-05-10T10:00:00-04:00', '10:00', '2027-05-10T10:00-04:00', 'at it exactly'],
    ['2027-05-10T10:00:01-04:00', '10:00', '2027-05-11T10:00-04:00', 'just passed: next day'],
    ['2027-03-13T12:00:00-05:00', '10:00', '2027-03-14T10:00-04:00', 'across spring-forward'],
    ['2027-03-13T12:00:00-05:00', '02:30', '2027-03-14T03:30-04:00', 'into a gap'],
  ])('%s → next %s = %s (%s)', (from, at, expected) => {
    expect(nextLocalTime(cache, 'America/New_York', ms(from), hm(at))).toBe(ms(expected));
  });

  it('steps over a skipped day', () => {
    expect(nextLocalTime(cache, 'Pacific/Apia', ms('2011-12-29T12:00:00-10:00'), hm('10:00'))).toBe(
      ms('2011-12-31T10:00+14:00'),
    );
  });
});
