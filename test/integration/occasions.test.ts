/**
 * Holiday rules over 2026–2028 for customers in the US, Canada (Ontario, Nova Scotia),
 * Australia (Sydney), Greece, the UAE, Singapore and India, held to published dates through
 * `rapport simulate`; then the daemon's own ticks, run twice at the same instant, deliver one
 * message per customer, occasion and year.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeliveries } from '../../src/db/deliveries.js';
import { upsertCustomers } from '../../src/db/customers.js';
import type { ForecastLine } from '../../src/schedule/forecast.js';
import { writeTestConfig } from '../support/runtime.js';
import { customer } from '../support/records.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { openClockRig } from '../support/virtual-clock.js';
import { cli } from '../support/cli.js';

const T = (iso: string) => Date.parse(iso);

const AUTOMATIONS = [
  { id: 'thanksgiving', on: { holiday: 'thanksgiving', at: '10:00' }, template: 'holiday' },
  { id: 'easter', on: { holiday: 'easter', at: '10:00' }, template: 'holiday' },
  { id: 'orthodox-easter', on: { holiday: 'orthodox-easter', at: '10:00' }, template: 'holiday' },
  { id: 'eid', on: { holiday: 'eid-al-fitr', at: '10:00' }, template: 'holiday' },
  { id: 'lunar-new-year', on: { holiday: 'lunar-new-year', at: '10:00' }, template: 'holiday' },
  { id: 'diwali', on: { holiday: 'diwali', at: '10:00' }, template: 'holiday' },
];

/** Exact times: no quiet hours, no cap. */
const PURE = {
  business: { country: 'US', timezone: 'America/New_York' },
  sending: { window: undefined, frequency_cap: undefined, max_lateness: '24h' },
  automations: AUTOMATIONS,
};

const CSV = [
  'id,email,timezone,country,region,tags',
  'us,us@example.com,America/New_York,US,,easter',
  'on,on@example.com,America/Toronto,CA,ON,easter',
  'ns,ns@example.com,America/Halifax,ca,CA-NS,',
  'syd,syd@example.com,Australia/Sydney,AU,NSW,easter',
  'gr,gr@example.com,Europe/Athens,GR,,orthodox-easter',
  'ae,ae@example.com,Asia/Dubai,AE,,eid-al-fitr',
  'ae-untagged,ae2@example.com,Asia/Dubai,AE,,',
  'sg,sg@example.com,Asia/Singapore,SG,,lunar-new-year;eid-al-fitr',
  'in,in@example.com,Asia/Kolkata,IN,,diwali',
  'home,home@example.com,,,,',
  'bad,bad@example.com,UTC,XY,,',
].join('\n');

/** What each customer gets: published dates, at 10:00 local. */
const EXPECTED: Record<string, string> = {
  'thanksgiving/us/2026': '2026-11-26T10:00:00-05:00',
  'thanksgiving/us/2027': '2027-11-25T10:00:00-05:00',
  'thanksgiving/us/2028': '2028-11-23T10:00:00-05:00',
  'thanksgiving/home/2026': '2026-11-26T10:00:00-05:00',
  'thanksgiving/home/2027': '2027-11-25T10:00:00-05:00',
  'thanksgiving/home/2028': '2028-11-23T10:00:00-05:00',
  'thanksgiving/on/2026': '2026-10-12T10:00:00-04:00',
  'thanksgiving/on/2027': '2027-10-11T10:00:00-04:00',
  'thanksgiving/on/2028': '2028-10-09T10:00:00-04:00',
  'easter/us/2026': '2026-04-05T10:00:00-04:00',
  'easter/us/2027': '2027-03-28T10:00:00-04:00',
  'easter/us/2028': '2028-04-16T10:00:00-04:00',
  'easter/on/2026': '2026-04-05T10:00:00-04:00',
  'easter/on/2027': '2027-03-28T10:00:00-04:00',
  'easter/on/2028': '2028-04-16T10:00:00-04:00',
  // Sydney leaves daylight saving at 03:00 on Easter Sunday 2026: 10:00 is already +10:00.
  'easter/syd/2026': '2026-04-05T10:00:00+10:00',
  'easter/syd/2027': '2027-03-28T10:00:00+11:00',
  'easter/syd/2028': '2028-04-16T10:00:00+10:00',
  'orthodox-easter/gr/2026': '2026-04-12T10:00:00+03:00',
  'orthodox-easter/gr/2027': '2027-05-02T10:00:00+03:00',
  'orthodox-easter/gr/2028': '2028-04-16T10:00:00+03:00',
  'eid/ae/2026': '2026-03-20T10:00:00+04:00',
  'eid/ae/2027': '2027-03-09T10:00:00+04:00',
  'eid/ae/2028': '2028-02-26T10:00:00+04:00',
  // Singapore gazetted Hari Raya Puasa 2026 a day after the UAE's Eid: its own calendar wins.
  'eid/sg/2026': '2026-03-21T10:00:00+08:00',
  'eid/sg/2027': '2027-03-09T10:00:00+08:00',
  'eid/sg/2028': '2028-02-26T10:00:00+08:00',
  'lunar-new-year/sg/2026': '2026-02-17T10:00:00+08:00',
  'lunar-new-year/sg/2027': '2027-02-06T10:00:00+08:00',
  'lunar-new-year/sg/2028': '2028-01-26T10:00:00+08:00',
  'diwali/in/2026': '2026-11-08T10:00:00+05:30',
  'diwali/in/2027': '2027-10-29T10:00:00+05:30',
  'diwali/in/2028': '2028-10-17T10:00:00+05:30',
};

const NS_THANKSGIVING: Record<string, string> = {
  'thanksgiving/ns/2026': '2026-10-12T10:00:00-03:00',
  'thanksgiving/ns/2027': '2027-10-11T10:00:00-03:00',
  'thanksgiving/ns/2028': '2028-10-09T10:00:00-03:00',
};

describe('occasions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-occasions-'));
  const env = (config: Record<string, unknown>) => ({
    RAPPORT_CONFIG: writeTestConfig(config),
    DATABASE_URL: `sqlite:${join(dir, 'rapport.db')}`,
    SMTP_URL: `file:${join(dir, 'outbox')}`,
    RAPPORT_SECRET: 'occasions-test-secret-0123456789abcdef',
    RAPPORT_LOG_LEVEL: 'silent',
  });
  const simulate = async (config: Record<string, unknown>, from = '2026-01-01', to = '2029-01-01') => {
    const run = await cli(env(config), 'simulate', '--from', from, '--to', to, '--json');
    expect(run.code).toBe(0);
    const lines =
      run.out.trim() === ''
        ? []
        : run.out
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as ForecastLine);
    return {
      lines,
      err: run.err,
      byKey: new Map(lines.map((l) => [`${l.automation}/${l.customer_id}/${l.occurrence}`, l])),
    };
  };

  beforeAll(async () => {
    const file = join(dir, 'customers.csv');
    writeFileSync(file, `${CSV}\n`);
    // --strict: the row with a bad country is refused whole, not imported without it.
    const run = await cli(env(PURE), 'import', 'customers', file, '--strict');
    expect(run.code).toBe(3);
    expect(run.err).toContain('line 12: country: "XY" is not an ISO 3166-1 country code');
    // Without --strict it is imported without the country, with a warning.
    const lenient = await cli(env(PURE), 'import', 'customers', file, '--dry-run');
    expect(lenient.code).toBe(0);
    expect(lenient.err).toContain('line 12: country: "XY" is not an ISO 3166-1 country code');
    expect(lenient.err).toContain('(imported without it)');
  });

  it('sends each occasion on its published date at 10:00 local, to those it concerns only', async () => {
    const { lines, byKey, err } = await simulate(PURE);
    expect(err).toBe('');
    const got = Object.fromEntries(
      lines.map((l) => [`${l.automation}/${l.customer_id}/${l.occurrence}`, l.local_time]),
    );
    // Nothing else: no Thanksgiving in Nova Scotia, no Eid for the untagged UAE customer, no
    // Easter for Greece's Orthodox customer, no Diwali for anyone not tagged for it.
    expect(got).toEqual(EXPECTED);
    for (const l of lines) {
      expect(l.outcome).toBe('send');
      expect(new Date(l.send_at).getTime()).toBe(Date.parse(l.local_time));
    }
    expect(byKey.get('thanksgiving/on/2026')?.occasion).toEqual({
      key: 'thanksgiving',
      name: 'Thanksgiving',
      date: '2026-10-12',
      source: 'public-holiday',
      rule: '2nd monday after 10-01',
      country: 'CA',
      region: 'ON',
    });
    expect(byKey.get('thanksgiving/home/2026')?.occasion).toMatchObject({
      country: 'US',
      rule: '4th thursday in November',
    });
    expect(byKey.get('diwali/in/2027')?.occasion).toMatchObject({ date: '2027-10-29', source: 'table' });
    expect(byKey.get('lunar-new-year/sg/2027')?.occasion).toMatchObject({
      date: '2027-02-06',
      source: 'country',
      country: 'SG',
    });
  });

  it('gives Nova Scotia its Thanksgiving when the business configures one there', async () => {
    const occasions = { thanksgiving: { rule: '2nd monday in October', countries: ['CA-NS'] } };
    const { lines } = await simulate({ ...PURE, occasions });
    const got = Object.fromEntries(
      lines.map((l) => [`${l.automation}/${l.customer_id}/${l.occurrence}`, l.local_time]),
    );
    expect(got).toEqual({ ...EXPECTED, ...NS_THANKSGIVING });
  });

  it('warns, loudly, about a year with no known date', async () => {
    const { lines, err } = await simulate(PURE, '2031-01-01', '2032-01-01');
    expect(err).toContain('occasion "diwali" has no known date in 2031');
    expect(lines.filter((l) => l.automation === 'diwali')).toEqual([]);
    const check = await cli(
      env({
        ...PURE,
        occasions: { founders: { dates: { 1999: '05-01' } } },
        automations: [{ id: 'founders', on: { holiday: 'founders' }, template: 'holiday' }],
      }),
      'check',
    );
    expect(check.code).toBe(0);
    expect(check.err).toMatch(
      /warning: automations "founders": occasion "founders" has no known date in \d{4}/,
    );
    const founders = env({
      ...PURE,
      occasions: { founders: { dates: { 1999: '05-01' } } },
      automations: [{ id: 'founders', on: { holiday: 'founders' }, template: 'holiday' }],
    });
    // The database already has this file's automations; a file's new one reaches it by import.
    expect((await cli(founders, 'automations', 'import', founders.RAPPORT_CONFIG)).code).toBe(0);
    const upcoming = await cli(founders, 'upcoming', '--json');
    expect(upcoming.err).toContain('occasion "founders" has no known date');
  });

  it('check refuses a holiday key that names nothing anywhere', async () => {
    const run = await cli(
      env({ ...PURE, automations: [{ id: 'x', on: { holiday: 'no-such-holiday' }, template: 'holiday' }] }),
      'check',
    );
    expect(run.code).toBe(1);
    expect(run.err).toContain('"no-such-holiday" is not an occasion in config');
  });

  it("lists a place's occasions with their dates and rules", async () => {
    const run = await cli(
      env(PURE),
      'occasions',
      'list',
      '--country',
      'CA',
      '--region',
      'ON',
      '--year',
      '2026',
      '--json',
    );
    expect(run.code).toBe(0);
    const rows = run.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; date: string; keys: string[] });
    expect(rows.find((r) => r.keys.includes('thanksgiving'))?.date).toBe('2026-10-12');
    const ns = await cli(
      env(PURE),
      'occasions',
      'list',
      '--country',
      'CA',
      '--region',
      'NS',
      '--year',
      '2026',
      '--json',
    );
    expect(ns.out).not.toContain('"thanksgiving"');
  });
});

describe('occasions in the daemon', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });

  it('delivers once per customer, occasion and year however often it ticks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-occasions-daemon-'));
    const rig = await openClockRig({
      databaseUrl: `sqlite:${join(dir, 'rapport.db')}`,
      smtpUrl: sink.url,
      start: T('2026-04-04T00:00:00Z'),
      config: PURE,
    });
    try {
      await upsertCustomers(
        rig.rt.db.knex,
        [
          customer('syd', {
            email: 'syd@example.com',
            timezone: 'Australia/Sydney',
            country: 'AU',
            region: 'NSW',
            tags: ['easter'],
          }),
          customer('us', {
            email: 'us@example.com',
            timezone: 'America/New_York',
            country: 'US',
            tags: ['easter'],
          }),
          customer('gr', { email: 'gr@example.com', timezone: 'Europe/Athens', country: 'GR', tags: [] }),
        ],
        rig.clock,
      );
      // 10:00 on Easter Sunday in Sydney, the morning the clocks went back; then in New York.
      for (const instant of [
        T('2026-04-05T00:00:00Z'),
        T('2026-04-05T00:00:00Z'),
        T('2026-04-05T14:00:00Z'),
        T('2026-04-05T14:00:30Z'),
      ]) {
        await rig.at(instant);
      }
      const rows = await listDeliveries(rig.rt.db.knex, {});
      expect(
        rows.map((r) => [r.automation_id, r.customer_id, r.occurrence, r.status, r.due_at]).sort(),
      ).toEqual([
        ['easter', 'syd', '2026', 'sent', T('2026-04-05T00:00:00Z')],
        ['easter', 'us', '2026', 'sent', T('2026-04-05T14:00:00Z')],
      ]);
      // The holiday template names the occasion.
      const mail = await sink.parsed();
      expect(
        mail.map((m) => [m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : '', m.subject]),
      ).toEqual([
        ['syd@example.com', 'Happy Easter from Corner Coffee'],
        ['us@example.com', 'Happy Easter from Corner Coffee'],
      ]);
      expect(mail[0]?.text).toContain('Happy Easter!');
    } finally {
      await rig.close();
    }
  });
});
