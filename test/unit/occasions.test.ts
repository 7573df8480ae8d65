/** Occasion dates per country and year, checked against published dates; who gets which. */
import { describe, expect, it } from 'vitest';
import { OccasionCalendar, type OccasionCustomer } from '../../src/occasions/resolve.js';
import { holidayKeys, slug } from '../../src/occasions/keys.js';
import { listOccasions } from '../../src/occasions/list.js';
import { missingOccasionDates, unknownOccasionKeys } from '../../src/occasions/warnings.js';
import { configSchema, type RawConfig } from '../../src/config/schema.js';

const calendar = new OccasionCalendar();
const who = (
  country: string | null,
  region: string | null = null,
  tags: string[] = [],
): OccasionCustomer => ({
  country,
  region,
  tags,
});
const dateOf = (c: OccasionCalendar, key: string, customer: OccasionCustomer, year: number) => {
  const a = c.resolve(key, customer, year);
  return a.kind === 'date' ? a.occasion.date : a.kind;
};
const years = [2026, 2027, 2028];

describe('public holidays by country and region', () => {
  it('Thanksgiving: the US in November, Ontario in October, Nova Scotia none', () => {
    expect(years.map((y) => dateOf(calendar, 'thanksgiving', who('US'), y))).toEqual([
      '2026-11-26',
      '2027-11-25',
      '2028-11-23',
    ]);
    expect(years.map((y) => dateOf(calendar, 'thanksgiving', who('CA', 'ON'), y))).toEqual([
      '2026-10-12',
      '2027-10-11',
      '2028-10-09',
    ]);
    expect(years.map((y) => dateOf(calendar, 'thanksgiving', who('CA', 'NS'), y))).toEqual([
      'none',
      'none',
      'none',
    ]);
    expect(dateOf(calendar, 'thanksgiving-day', who('US'), 2026)).toBe('2026-11-26');
  });

  it('Nova Scotia gets Thanksgiving when the business configures it there; elsewhere the public holiday stays', () => {
    const c = new OccasionCalendar({ thanksgiving: { rule: '2nd monday in October', countries: ['CA-NS'] } });
    expect(dateOf(c, 'thanksgiving', who('CA', 'NS'), 2026)).toBe('2026-10-12');
    expect(dateOf(c, 'thanksgiving', who('US'), 2026)).toBe('2026-11-26');
    expect(dateOf(c, 'thanksgiving', who('CA', 'ON'), 2026)).toBe('2026-10-12');
  });

  it("Greece's Easter Sunday is the Orthodox one", () => {
    expect(years.map((y) => dateOf(calendar, 'easter-sunday', who('GR'), y))).toEqual([
      '2026-04-12',
      '2027-05-02',
      '2028-04-16',
    ]);
  });

  it('a customer with no country has no public holidays', () => {
    expect(dateOf(calendar, 'thanksgiving', who(null), 2026)).toBe('none');
  });

  it('keys are the English name, with or without a trailing "day"', () => {
    expect(slug("New Year's Day")).toBe('new-years-day');
    expect(slug('St. Patrick’s Day')).toBe('st-patricks-day');
    expect(holidayKeys('Thanksgiving Day')).toEqual(['thanksgiving-day', 'thanksgiving']);
    expect(holidayKeys('Thanksgiving')).toEqual(['thanksgiving']);
  });
});

describe('religious and cultural occasions are opt-in by tag', () => {
  it('Easter and Orthodox Easter', () => {
    const tagged = who('US', null, ['easter', 'orthodox-easter']);
    expect(years.map((y) => dateOf(calendar, 'easter', tagged, y))).toEqual([
      '2026-04-05',
      '2027-03-28',
      '2028-04-16',
    ]);
    expect(years.map((y) => dateOf(calendar, 'orthodox-easter', tagged, y))).toEqual([
      '2026-04-12',
      '2027-05-02',
      '2028-04-16',
    ]);
  });

  it('never inferred from the country: no tag, no greeting', () => {
    expect(dateOf(calendar, 'eid-al-fitr', who('AE'), 2026)).toBe('none');
    expect(dateOf(calendar, 'orthodox-easter', who('GR'), 2026)).toBe('none');
    expect(dateOf(calendar, 'diwali', who('IN'), 2026)).toBe('none');
    expect(dateOf(calendar, 'lunar-new-year', who('SG'), 2027)).toBe('none');
  });

  it("Eid al-Fitr: the country's own date where it keeps one, the rule elsewhere", () => {
    const eid = ['eid-al-fitr'];
    expect(dateOf(calendar, 'eid-al-fitr', who('AE', null, eid), 2026)).toBe('2026-03-20');
    // Singapore gazetted Hari Raya Puasa 2026 for the 21st.
    expect(dateOf(calendar, 'eid-al-fitr', who('SG', null, eid), 2026)).toBe('2026-03-21');
    const a = calendar.resolve('eid-al-fitr', who('US', null, eid), 2026);
    expect(a).toMatchObject({
      kind: 'date',
      occasion: { date: '2026-03-20', source: 'rule', rule: '1 Shawwal' },
    });
  });

  it('Lunar New Year 2027 is February 6 (not the 7th some Chinese-calendar implementations give)', () => {
    const lny = ['lunar-new-year'];
    expect(years.map((y) => dateOf(calendar, 'lunar-new-year', who('SG', null, lny), y))).toEqual([
      '2026-02-17',
      '2027-02-06',
      '2028-01-26',
    ]);
    expect(dateOf(calendar, 'lunar-new-year', who('US', null, lny), 2027)).toBe('2027-02-06');
  });

  it("Diwali: India's published dates 2026–2030, Singapore's gazetted Deepavali, then no known date", () => {
    const diwali = ['diwali'];
    expect(
      [2026, 2027, 2028, 2029, 2030].map((y) => dateOf(calendar, 'diwali', who('IN', null, diwali), y)),
    ).toEqual(['2026-11-08', '2027-10-29', '2028-10-17', '2029-11-05', '2030-10-26']);
    expect(dateOf(calendar, 'diwali', who('SG', null, diwali), 2027)).toBe('2027-10-28');
    expect(calendar.resolve('diwali', who('IN', null, diwali), 2031)).toEqual({
      kind: 'missing',
      key: 'diwali',
      year: 2031,
    });
  });
});

describe('business occasions', () => {
  it('rules in the library grammar, and a table that wins in its years', () => {
    const c = new OccasionCalendar({
      'good-friday-sale': { rule: 'easter -2' },
      'lunar-sale': { rule: 'chinese 01-0-01', dates: { '2027': '02-07' } },
      'shop-birthday': { dates: { '2026': '05-01' } },
      'us-only': { rule: '07-04', countries: ['US'] },
    });
    expect(dateOf(c, 'good-friday-sale', who(null), 2026)).toBe('2026-04-03');
    expect(dateOf(c, 'lunar-sale', who(null), 2027)).toBe('2027-02-07');
    expect(dateOf(c, 'lunar-sale', who(null), 2028)).toBe('2028-01-26');
    expect(dateOf(c, 'shop-birthday', who(null), 2026)).toBe('2026-05-01');
    expect(dateOf(c, 'shop-birthday', who(null), 2027)).toBe('missing');
    expect(dateOf(c, 'us-only', who('US'), 2026)).toBe('2026-07-04');
    expect(dateOf(c, 'us-only', who('CA'), 2026)).toBe('none');
  });

  it('a configured key replaces a built-in one, tags included', () => {
    const c = new OccasionCalendar({ diwali: { dates: { '2031': '11-14' }, tags: ['hindu'] } });
    expect(dateOf(c, 'diwali', who('IN', null, ['hindu']), 2031)).toBe('2031-11-14');
    expect(dateOf(c, 'diwali', who('IN', null, ['diwali']), 2031)).toBe('none');
  });
});

describe('warnings and listings', () => {
  const automations = (list: RawConfig['automations']) =>
    configSchema.parse({ automations: list }).automations;

  it('names each automation and year with no known date', () => {
    const a = automations([
      { id: 'diwali', on: { holiday: 'diwali' }, template: 'holiday' },
      { id: 'thanks', on: { holiday: 'thanksgiving' }, template: 'holiday' },
    ]);
    expect(missingOccasionDates(a, calendar, [2030, 2031, 2032])).toEqual([
      { automation: 'diwali', key: 'diwali', year: 2031 },
      { automation: 'diwali', key: 'diwali', year: 2032 },
    ]);
  });

  it('knows which keys name nothing anywhere', () => {
    const a = automations([
      { id: 'a', on: { holiday: 'thanksgiving' }, template: 'holiday' },
      { id: 'b', on: { holiday: 'anzac-day' }, template: 'holiday' },
      { id: 'c', on: { holiday: 'diwali' }, template: 'holiday' },
      { id: 'd', on: { holiday: 'no-such-day' }, template: 'holiday' },
    ]);
    expect(unknownOccasionKeys(a, calendar)).toEqual([{ automation: 'd', key: 'no-such-day' }]);
  });

  it("lists a place's occasions in date order, unknown dates last", () => {
    const rows = listOccasions(calendar, { country: 'CA', region: 'ON' }, 2031);
    expect(rows.find((r) => r.key === 'thanksgiving')).toMatchObject({
      date: '2031-10-13',
      source: 'public-holiday',
    });
    expect(rows.at(-1)).toMatchObject({ key: 'diwali', date: null, source: 'unknown' });
    const dates = rows.filter((r) => r.date !== null).map((r) => r.date as string);
    expect(dates).toEqual([...dates].sort());
  });
});

describe('config', () => {
  const parse = (raw: unknown) => configSchema.safeParse(raw);

  it('accepts occasions, holiday triggers, quiet days and a business country', () => {
    const r = parse({
      business: { country: 'ca' },
      sending: { quiet_days: ['12-25', '2027-01-01'] },
      occasions: { 'ns-thanksgiving': { rule: '2nd monday in October', countries: ['CA-NS'], tags: ['x'] } },
      automations: [{ id: 'h', on: { holiday: 'ns-thanksgiving', at: '10:00' }, template: 'holiday' }],
    });
    expect(r.success).toBe(true);
    expect(r.data?.business.country).toBe('CA');
    expect(r.data?.automations[0]?.on).toEqual({ holiday: 'ns-thanksgiving', at: 600 });
  });

  it('names the key of each bad value', () => {
    const r = parse({
      business: { country: 'XY' },
      sending: { quiet_days: ['02-30'] },
      occasions: {
        a: { rule: 'every blue moon' },
        b: { countries: ['US'] },
        c: { dates: { '2027': '13-01' } },
      },
    });
    const issues = (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^business\.country: "XY" is not an ISO 3166-1 country code/),
        expect.stringMatching(/^sending\.quiet_days\.0: "02-30" is not a calendar date/),
        expect.stringMatching(/^occasions\.a\.rule: "every blue moon" is not a date rule/),
        expect.stringMatching(/^occasions\.b: give a rule, a table of dates, or both/),
        expect.stringMatching(/^occasions\.c\.dates\.2027: "13-01" is not a calendar date/),
      ]),
    );
  });
});
