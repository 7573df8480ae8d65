/**
 * `rapport simulate` over 2027–2028 for 50 customers in many zones: exactly one send per customer
 * per year per yearly rule, at the rule's local time on the right local date — moved forward
 * through DST gaps, the first of a repeated time, Feb 29 per `sending.leap_day` — as JSON Lines
 * with exactly the documented fields. Then the forecast is held to the truth: the daemon, driven
 * through three days on a virtual clock with the shipped policies, sends exactly what it said.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeliveries } from '../../src/db/deliveries.js';
import { upsertEvents } from '../../src/db/events.js';
import { forecast, type ForecastLine } from '../../src/schedule/forecast.js';
import { expectedInstant, localIsoOf } from '../support/local-time.js';
import { purchase } from '../support/records.js';
import { writeTestConfig } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { openClockRig } from '../support/virtual-clock.js';
import { cli } from '../support/cli.js';

const T = (iso: string) => Date.parse(iso);
const MIN = 60_000;
const HOUR = 60 * MIN;

const YEARLY = [
  { id: 'birthday', on: { birthday: true, at: '09:00' }, template: 'birthday' },
  // 02:15 is in the spring-forward gap in the US, Canada and Europe (02:00→03:00) and on Lord Howe (02:00→02:30).
  { id: 'anniversary', on: { anniversary: 'customer_since', at: '02:15' }, template: 'anniversary' },
  // Mar 14 2027 is New York's spring-forward day: 02:30 becomes 03:30.
  { id: 'pi-day', on: { date: '03-14', at: '02:30' }, template: 'holiday' },
  // Nov 7 2027 01:30 happens twice in New York: the first (EDT) is meant.
  { id: 'fall-back', on: { date: '11-07', at: '01:30' }, where: { tags: ['ny'] }, template: 'holiday' },
  // Apr 4 2027 01:45 happens twice on Lord Howe (02:00→01:30): the first (+11:00) is meant.
  { id: 'lord-howe', on: { date: '04-04', at: '01:45' }, where: { tags: ['lh'] }, template: 'holiday' },
  { id: 'leap', on: { date: '02-29', at: '09:00' }, where: { tags: ['leap'] }, template: 'holiday' },
];

/** Yearly rules only, no quiet hours, no cap: every occurrence is a send at its exact time. */
const PURE = {
  sending: { window: undefined, frequency_cap: undefined, max_lateness: '24h' },
  automations: YEARLY,
};

const ZONES = [
  'Pacific/Kiritimati',
  'Pacific/Chatham',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Etc/GMT+12',
  'America/New_York',
  'Europe/London',
  'Europe/Paris',
  'America/Los_Angeles',
  'Asia/Tokyo',
  'Australia/Sydney',
  'America/Santiago',
  'Asia/Kolkata',
  'Africa/Cairo',
  'America/Havana',
  'Pacific/Apia',
  'Asia/Tehran',
  'UTC',
  'America/Sao_Paulo',
  'Pacific/Honolulu',
  'America/Anchorage',
  'Atlantic/Azores',
  'Antarctica/Troll',
  '', // none: the business's zone, America/New_York
];

const BIRTHDAYS = [
  '01-01',
  '1980-12-31',
  '1992-02-29',
  '02-29',
  '02-28',
  '03-01',
  '1970-03-14',
  '03-28',
  '10-03',
  '04-04',
  '11-07',
  '1999-07-04',
  '2026-06-15',
  '05-31',
  '09-26',
  '08-15',
  '1960-10-31',
  '03-12',
  '06-30',
  '12-24',
  '01-31',
  '04-30',
  '1985-11-05',
  '10-01',
  '03-26',
];
const SINCE = [
  '2020-03-14',
  '2019-10-03',
  '2026-03-14',
  '2016-02-29',
  '2021-03-28',
  '2018-11-07',
  '2022-01-01',
  '',
];

interface Person {
  id: string;
  zone: string;
  birthday: string;
  since: string;
  tags: string[];
}

const LORD_HOWE_FIRST = ZONES.indexOf('Australia/Lord_Howe');

const PEOPLE: Person[] = Array.from({ length: 50 }, (_, i) => {
  const zone = ZONES[i % ZONES.length] as string;
  const effective = zone || 'America/New_York';
  const tags = [
    ...(effective === 'America/New_York' ? ['ny'] : []),
    ...(effective === 'Australia/Lord_Howe' ? ['lh'] : []),
    ...(i % 7 === 0 ? ['leap'] : []),
  ];
  return {
    id: `c${String(i).padStart(2, '0')}`,
    zone,
    birthday: BIRTHDAYS[(i * 7) % BIRTHDAYS.length] as string,
    // The first Lord Howe customer's anniversary falls on its 30-minute spring-forward day.
    since: i === LORD_HOWE_FIRST ? '2019-10-03' : (SINCE[i % SINCE.length] as string),
    tags,
  };
});

const zoneOf = (p: Person) => p.zone || 'America/New_York';

const CSV = [
  'id,email,first_name,birthday,timezone,customer_since,tags',
  ...PEOPLE.map(
    (p) => `${p.id},${p.id}@example.com,${p.id},${p.birthday},${p.zone},${p.since},${p.tags.join(';')}`,
  ),
  // Rejected with their line numbers; the good rows are kept.
  'bad1,bad1@example.com,Bad,03-14,Mars/Olympus_Mons,,',
  'bad2,bad2@example.com,Bad,2027-02-29,UTC,,',
].join('\n');

const FROM = T('2027-01-01T00:00:00Z');
const TO = T('2029-01-01T00:00:00Z');

interface Wanted {
  key: string;
  send_at: number;
  zone: string;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Every yearly occurrence whose instant falls in [FROM, TO), by the oracle. */
function wanted(leapDay: 'feb28' | 'mar1'): Wanted[] {
  const out: Wanted[] = [];
  const add = (rule: string, p: Person, year: number, md: string, at: string) => {
    let [month, day] = md.split('-').map(Number) as [number, number];
    if (month === 2 && day === 29 && !isLeap(year)) [month, day] = leapDay === 'mar1' ? [3, 1] : [2, 28];
    const [h, m] = at.split(':').map(Number) as [number, number];
    const instant = expectedInstant(zoneOf(p), year, month, day, h, m);
    if (instant >= FROM && instant < TO)
      out.push({ key: `${rule}/${p.id}/${year}`, send_at: instant, zone: zoneOf(p) });
  };
  for (const p of PEOPLE) {
    for (let year = 2026; year <= 2029; year++) {
      const born = p.birthday.length === 10 ? Number(p.birthday.slice(0, 4)) : null;
      if (born === null || year > born) add('birthday', p, year, p.birthday.slice(-5), '09:00');
      if (p.since && year > Number(p.since.slice(0, 4)))
        add('anniversary', p, year, p.since.slice(5), '02:15');
      add('pi-day', p, year, '03-14', '02:30');
      if (p.tags.includes('ny')) add('fall-back', p, year, '11-07', '01:30');
      if (p.tags.includes('lh')) add('lord-howe', p, year, '04-04', '01:45');
      if (p.tags.includes('leap')) add('leap', p, year, '02-29', '09:00');
    }
  }
  return out;
}

const FIELDS = [
  'automation',
  'customer_id',
  'email',
  'occurrence',
  'send_at',
  'local_time',
  'template',
  'outcome',
  'reason',
];

describe('simulate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-simulate-'));
  const env = (config: Record<string, unknown>) => ({
    RAPPORT_CONFIG: writeTestConfig(config),
    DATABASE_URL: `sqlite:${join(dir, 'rapport.db')}`,
    SMTP_URL: `file:${join(dir, 'outbox')}`,
    RAPPORT_SECRET: 'simulate-test-secret-0123456789abcdef',
    RAPPORT_LOG_LEVEL: 'silent',
  });

  beforeAll(async () => {
    const file = join(dir, 'customers.csv');
    writeFileSync(file, `${CSV}\n`);
    // --strict: the two rows with a bad zone or birthday stay out, so the counts below hold.
    const run = await cli(env(PURE), 'import', 'customers', file, '--strict');
    expect(run.code).toBe(3);
    expect(run.err).toContain(
      `line ${PEOPLE.length + 2}: timezone: "Mars/Olympus_Mons" is not an IANA time zone`,
    );
    expect(run.err).toMatch(new RegExp(`line ${PEOPLE.length + 3}: birthday: `));
    expect(run.out).toContain(`imported ${PEOPLE.length} `);
  });

  it.each(['feb28', 'mar1'] as const)(
    '2027–2028 with leap_day %s: one send per customer, year and rule, at the local time',
    async (leapDay) => {
      const run = await cli(
        env({ ...PURE, sending: { ...PURE.sending, leap_day: leapDay } }),
        'simulate',
        '--from',
        '2027-01-01',
        '--to',
        '2029-01-01',
        '--json',
      );
      expect(run).toMatchObject({ code: 0, err: '' });
      const lines = run.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as ForecastLine);
      for (const l of lines) expect(Object.keys(l)).toEqual(FIELDS);

      const want = wanted(leapDay);
      const got = lines.map((l) => ({ key: `${l.automation}/${l.customer_id}/${l.occurrence}`, line: l }));
      // Exactly the expected occurrences, each once (so one per customer per year per rule).
      expect(got.map((g) => g.key).sort()).toEqual(want.map((w) => w.key).sort());
      const byKey = new Map(got.map((g) => [g.key, g.line]));
      for (const w of want) {
        const l = byKey.get(w.key) as ForecastLine;
        expect({
          key: w.key,
          send_at: l.send_at,
          local_time: l.local_time,
          outcome: l.outcome,
          reason: l.reason,
        }).toEqual({
          key: w.key,
          send_at: new Date(w.send_at).toISOString(),
          local_time: localIsoOf(w.zone, w.send_at),
          outcome: 'send',
          reason: null,
        });
        expect(l.email).toBe(`${l.customer_id}@example.com`);
        expect(l.template).toBe(YEARLY.find((a) => a.id === l.automation)?.template);
      }

      // The documented cases, spelled out.
      const local = (key: string) => byKey.get(key)?.local_time;
      const ny = PEOPLE.find((p) => p.zone === 'America/New_York') as Person;
      const lh = PEOPLE.find((p) => p.zone === 'Australia/Lord_Howe') as Person;
      const leap = PEOPLE.find((p) => p.birthday === '1992-02-29') as Person;
      expect(local(`pi-day/${ny.id}/2027`)).toBe('2027-03-14T03:30:00-04:00'); // gap: +1 h
      expect(local(`pi-day/${ny.id}/2028`)).toBe('2028-03-14T02:30:00-04:00');
      expect(local(`fall-back/${ny.id}/2027`)).toBe('2027-11-07T01:30:00-04:00'); // the first 01:30
      expect(local(`lord-howe/${lh.id}/2027`)).toBe('2027-04-04T01:45:00+11:00'); // the first 01:45
      const at9 = (y: number, m: number, d: number) =>
        localIsoOf(zoneOf(leap), expectedInstant(zoneOf(leap), y, m, d, 9, 0));
      expect(local(`birthday/${leap.id}/2027`)).toBe(
        leapDay === 'feb28' ? at9(2027, 2, 28) : at9(2027, 3, 1),
      );
      expect(local(`birthday/${leap.id}/2027`)?.slice(0, 16)).toBe(
        leapDay === 'feb28' ? '2027-02-28T09:00' : '2027-03-01T09:00',
      );
      expect(local(`birthday/${leap.id}/2028`)?.slice(0, 16)).toBe('2028-02-29T09:00');
      const lhSince = PEOPLE.find(
        (p) => p.zone === 'Australia/Lord_Howe' && p.since === '2019-10-03',
      ) as Person;
      expect(local(`anniversary/${lhSince.id}/2027`)).toBe('2027-10-03T02:45:00+11:00'); // 30-minute gap
    },
  );
});

/** The three days the daemon is driven through: US spring-forward, and pi-day everywhere. */
const WIN_FROM = T('2027-03-12T12:00:00Z');
const WIN_TO = T('2027-03-15T12:00:00Z');

/**
 * The shipped policies (08:00–20:00 window, cap 2 per 7d, 24h lateness) and event rules too.
 * Planned a day ahead, so the clock can move from one due time to the next (see runUntil).
 */
const SHIPPED = {
  worker: { horizon: '1d' },
  automations: [
    { id: 'thank-you', on: { event: 'purchase', after: '1h' }, template: 'thank-you', transactional: true },
    {
      id: 'how-did-it-go',
      on: { event: 'purchase', after: '1d', at: '10:00' },
      unless: { event: 'purchase', within: '1d' },
      template: 'follow-up',
    },
    ...YEARLY,
    { id: 'daily', on: { schedule: '30 2 * * *' }, where: { tags: ['ny'] }, template: 'holiday' },
  ],
};

describe('the forecast is the truth', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });

  it('the daemon, driven through three days, sends exactly what simulate said', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-truth-'));
    const rig = await openClockRig({
      databaseUrl: `sqlite:${join(dir, 'rapport.db')}`,
      smtpUrl: sink.url,
      start: WIN_FROM,
      config: SHIPPED,
    });
    try {
      const { db, config } = rig.rt;
      const file = join(dir, 'customers.csv');
      writeFileSync(
        file,
        `${CSV.split('\n')
          .slice(0, PEOPLE.length + 1)
          .join('\n')}\n`,
      );
      const imported = await cli(
        {
          DATABASE_URL: `sqlite:${join(dir, 'rapport.db')}`,
          RAPPORT_CONFIG: writeTestConfig(SHIPPED),
          RAPPORT_SECRET: 'truth-test-secret-0123456789abcdef',
          RAPPORT_LOG_LEVEL: 'silent',
        },
        'import',
        'customers',
        file,
      );
      expect(imported.code).toBe(0);
      // Purchases inside the window, known beforehand; c06 buys again within a day: no follow-up.
      await upsertEvents(
        db.knex,
        [
          purchase('p1', 'c06', T('2027-03-12T15:00:00Z')),
          purchase('p2', 'c06', T('2027-03-12T20:00:00Z')),
          purchase('p3', 'c02', T('2027-03-13T01:15:00Z')),
          purchase('p4', 'c10', T('2027-03-13T23:45:00Z')),
        ],
        WIN_FROM - HOUR,
      );

      const said: ForecastLine[] = [];
      await forecast(db, config, {
        from: WIN_FROM,
        to: WIN_TO,
        useBooks: false,
        onLines: (l) => void said.push(...l),
      });
      expect(said.filter((l) => l.outcome === 'send').length).toBeGreaterThan(20);
      expect(said.some((l) => l.reason === 'exit-condition')).toBe(true);

      // A tick every 6 hours, and the deliverer wakes exactly when the next message is due.
      await rig.runUntil(WIN_TO, 6 * HOUR);

      const rows = await listDeliveries(db.knex, { limit: 10_000 });
      const did = rows
        .filter((r) => r.status !== 'pending')
        .filter((r) =>
          r.status === 'sent'
            ? (r.sent_at as number) >= WIN_FROM &&
              (r.sent_at as number) < WIN_TO &&
              // Due before the window: a worker that had been running sent it before the window began.
              !(r.due_at < WIN_FROM && r.sent_at === WIN_FROM)
            : r.due_at >= WIN_FROM && r.due_at < WIN_TO,
        )
        .map((r) => ({
          key: `${r.automation_id}/${r.customer_id}/${r.occurrence}`,
          outcome: r.status === 'sent' ? 'send' : 'skip',
          reason: r.status === 'sent' ? null : r.reason,
          send_at: r.status === 'sent' ? new Date(r.sent_at as number).toISOString() : null,
        }));
      const forecastSays = said.map((l) => ({
        key: `${l.automation}/${l.customer_id}/${l.occurrence}`,
        outcome: l.outcome,
        reason: l.reason,
        send_at: l.outcome === 'send' ? l.send_at : null,
      }));
      const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
      expect(did.sort(byKey)).toEqual(forecastSays.sort(byKey));
    } finally {
      await rig.close();
    }
  });
});
