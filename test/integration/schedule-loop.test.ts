/**
 * The running loop on a virtual clock over two and a half days — a tick and a delivery pass every
 * minute around each due time and through the repeated hour, 11-minute strides in between — for
 * customers in awkward zones, across New York's and St John's spring-forward, with five hours of
 * missed ticks, doubled ticks, ticks whose delivery pass comes late, and the clock stepping back
 * an hour. Every due message reaches the SMTP server exactly once, none is missed, and each
 * leaves at the first delivery pass at or after its local due time.
 */
import { describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { expectedInstant, wallClock } from '../support/local-time.js';
import { customer, purchase } from '../support/records.js';
import { useSmtpSink } from '../support/smtp-sink.js';
import { useClockRigs, type ClockRig } from '../support/virtual-clock.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { messageIdFor } from '../../src/deliver/compose.js';
import type { CustomerEvent } from '../../src/domain.js';

const T = (iso: string) => Date.parse(iso);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const START = T('2027-03-13T00:00:00Z');
/** No tick from here … */
const DOWN_FROM = T('2027-03-13T09:01:00Z');
/** … to here. */
const DOWN_TO = T('2027-03-13T14:00:00Z');
/** After the tick at this instant the clock steps back an hour (New York's 03:30 EDT has just passed). */
const STEP_BACK = T('2027-03-14T07:45:00Z');
const END = T('2027-03-15T12:00:00Z');

const CONFIG = {
  // No quiet hours and no cap: this test is about time, not policy.
  sending: { window: undefined, frequency_cap: undefined, max_lateness: '24h' },
  automations: [
    { id: 'thank-you', on: { event: 'purchase', after: '1h' }, template: 'thank-you', transactional: true },
    { id: 'birthday', on: { birthday: true, at: '09:00' }, template: 'birthday' },
    // 02:30 on Mar 14 2027 does not exist in New York or St John's: it becomes 03:30.
    { id: 'pi-day', on: { date: '03-14', at: '02:30' }, template: 'holiday' },
    { id: 'nightly', on: { schedule: '30 2 * * *' }, template: 'we-miss-you' },
  ],
};

const ZONES: Record<string, string> = {
  kir: 'Pacific/Kiritimati',
  cha: 'Pacific/Chatham',
  ktm: 'Asia/Kathmandu',
  stj: 'America/St_Johns',
  lhi: 'Australia/Lord_Howe',
  g12: 'Etc/GMT+12',
  nyc: 'America/New_York',
  // No zone of their own: the business's (America/New_York).
  def: 'America/New_York',
};

const CUSTOMERS = [
  customer('kir', { timezone: ZONES.kir, birthday: '03-14' }),
  customer('cha', { timezone: ZONES.cha, birthday: '1980-03-13' }),
  customer('ktm', { timezone: ZONES.ktm, birthday: '03-15' }),
  customer('stj', { timezone: ZONES.stj, birthday: '1975-03-14' }),
  customer('lhi', { timezone: ZONES.lhi, birthday: '03-13' }),
  customer('g12', { timezone: ZONES.g12, birthday: '03-15' }),
  customer('nyc', { timezone: ZONES.nyc, birthday: '2001-03-14' }),
  customer('def', { birthday: '03-13' }),
];

/** One moment of the virtual timeline; `pass` 1 is after the clock stepped back. */
interface Step {
  t: number;
  pass: 0 | 1;
  /** `double`: tick and deliver twice at the same instant; `tick`: the delivery pass is skipped. */
  mode: 'normal' | 'double' | 'tick';
}

/** Between busy moments the clock jumps this far (less than the 15-minute planning horizon). */
const STRIDE = 11 * MIN;

/**
 * Minute ticks from 2 minutes before to a minute after each busy moment (something due or
 * arriving) and all through the repeated hour; strides elsewhere. Some ticks are doubled and
 * some lose their delivery pass.
 */
function timeline(busy: readonly number[]): Step[] {
  const near = (t: number) => busy.some((b) => t >= b - 2 * MIN && t <= b + MIN);
  const steps: Step[] = [];
  const run = (from: number, to: number, pass: 0 | 1, everyMinute = false) => {
    for (let t = from; t <= to; t += MIN) {
      if (everyMinute || near(t) || (t - from) % STRIDE === 0 || t === to)
        steps.push({ t, pass, mode: 'normal' });
    }
  };
  run(START, DOWN_FROM - MIN, 0);
  run(DOWN_TO, STEP_BACK, 0);
  run(STEP_BACK - HOUR, STEP_BACK, 1, true);
  run(STEP_BACK + MIN, END, 1);
  steps.forEach((step, i) => {
    if (i % 31 === 0) step.mode = 'double';
    else if (i % 17 === 0) step.mode = 'tick';
  });
  (steps[steps.length - 1] as Step).mode = 'normal';
  return steps;
}

/** Purchases, each stored (as an import or the API would) when the clock first reaches `known`. */
interface Arrival {
  event: CustomerEvent;
  known: Step;
}

const arrive = (id: string, who: string, at: string, known = at, pass: 0 | 1 = 0): Arrival => ({
  event: purchase(id, who, T(at)),
  known: { t: T(known), pass, mode: 'normal' },
});

const ARRIVALS: Arrival[] = [
  arrive('o-ktm', 'ktm', '2027-03-13T03:17:00Z'),
  // While no tick runs: its thank-you (12:00Z) goes out when ticks resume.
  arrive('o-down', 'g12', '2027-03-13T11:00:00Z'),
  // Reported two and a half hours late: its thank-you is already due when it arrives.
  arrive('o-late', 'cha', '2027-03-14T02:00:00Z', '2027-03-14T04:30:00Z'),
  // Planned by the 07:45Z tick (due 07:55Z), before the clock steps back.
  arrive('o-kir1', 'kir', '2027-03-14T06:55:00Z'),
  // Arrives in the repeated hour: due 07:50Z, which the watermark has already passed.
  arrive('o-kir2', 'kir', '2027-03-14T06:50:00Z', '2027-03-14T06:50:00Z', 1),
  arrive('o-stj', 'stj', '2027-03-14T23:00:00Z'),
  arrive('o-nyc', 'nyc', '2027-03-15T05:59:00Z'),
];

const reached = (step: Step, known: Step) =>
  step.pass > known.pass || (step.pass === known.pass && step.t >= known.t);

interface Expected {
  automation: string;
  customer: string;
  occurrence: string;
  due: number;
  /** When the worker can first know about it. */
  known: Step;
}

function expected(): Expected[] {
  const out: Expected[] = [];
  const early: Step = { t: 0, pass: 0, mode: 'normal' };
  for (const c of CUSTOMERS) {
    const zone = ZONES[c.id] as string;
    const [month, day] = (c.birthday as string).slice(-5).split('-').map(Number) as [number, number];
    out.push({
      automation: 'birthday',
      customer: c.id,
      occurrence: '2027',
      due: expectedInstant(zone, 2027, month, day, 9, 0),
      known: early,
    });
    out.push({
      automation: 'pi-day',
      customer: c.id,
      occurrence: '2027',
      due: expectedInstant(zone, 2027, 3, 14, 2, 30),
      known: early,
    });
    for (let d = 11; d <= 17; d++) {
      const occurrence = `2027-03-${String(d).padStart(2, '0')}T02:30`;
      out.push({
        automation: 'nightly',
        customer: c.id,
        occurrence,
        due: expectedInstant(zone, 2027, 3, d, 2, 30),
        known: early,
      });
    }
  }
  for (const a of ARRIVALS) {
    out.push({
      automation: 'thank-you',
      customer: a.event.customer_id,
      occurrence: a.event.id,
      due: a.event.occurred_at + HOUR,
      known: a.known,
    });
  }
  // The first tick catches up on the last max_lateness; the last one sends what is due at END.
  return out.filter((e) => e.due >= START - DAY && e.due <= END);
}

const keyOf = (e: { automation: string; customer: string; occurrence: string }) =>
  `${e.automation}/${e.customer}/${e.occurrence}`;

describe.each(databases())('the running loop on %s', (db) => {
  const url = db.fresh('test');
  const sink = useSmtpSink();
  const openRig = useClockRigs();
  let rig: ClockRig | undefined;

  it('sends each due message exactly once, none missed, none early, through missed, doubled and backward ticks', async () => {
    rig = await openRig({ databaseUrl: url(), smtpUrl: sink().url, start: START, config: CONFIG });
    const { knex } = rig.rt.db;
    await upsertCustomers(knex, CUSTOMERS, START - 30 * DAY);

    const want = expected();
    const steps = timeline([...want.map((e) => e.due), ...ARRIVALS.map((a) => a.known.t)]);
    let pending = [...ARRIVALS];
    for (const step of steps) {
      rig.clock = step.t;
      const arrived = pending.filter((a) => reached(step, a.known));
      if (arrived.length > 0) {
        await upsertEvents(
          knex,
          arrived.map((a) => a.event),
          step.t,
        );
        pending = pending.filter((a) => !arrived.includes(a));
      }
      if (step.mode === 'tick') {
        await rig.tick();
      } else {
        await rig.at(step.t);
        if (step.mode === 'double') await rig.at(step.t);
      }
    }
    expect(pending).toEqual([]);

    const wantIds = new Map(
      want.map((e) => [
        messageIdFor(
          { automationId: e.automation, customerId: e.customer, occurrence: e.occurrence },
          'hello@corner.example',
        ),
        keyOf(e),
      ]),
    );
    const counts = sink().countByMessageId();
    const received = [...counts.keys()].map((id) => wantIds.get(id) ?? `unexpected ${id}`).sort();
    expect(received).toEqual([...wantIds.values()].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    const rows = new Map(
      (await listDeliveries(knex, { limit: 10_000 })).map((r) => [
        `${r.automation_id}/${r.customer_id}/${r.occurrence}`,
        r,
      ]),
    );
    for (const e of want) {
      const row = rows.get(keyOf(e));
      const zone = ZONES[e.customer] as string;
      expect({ key: keyOf(e), status: row?.status, due: wallClock(zone, row?.due_at ?? 0) }).toEqual({
        key: keyOf(e),
        status: 'sent',
        due: wallClock(zone, e.due),
      });
      // Sent by the first delivery pass that ran (knowing of it) at or after its due time.
      const first = steps.find((s) => s.t >= e.due && s.mode !== 'tick' && reached(s, e.known)) as Step;
      expect(row?.sent_at, keyOf(e)).toBe(first.t);
    }
    // Nothing else was due: the rest is planned ahead, still pending.
    for (const [key, row] of rows) {
      if (!want.some((e) => keyOf(e) === key))
        expect({ key, status: row.status, after: row.due_at > END }).toEqual({
          key,
          status: 'pending',
          after: true,
        });
    }

    // The awkward ones, spelled out.
    const local = (key: string, zone: string) => wallClock(zone, rows.get(key)?.due_at ?? 0);
    expect(local('pi-day/nyc/2027', ZONES.nyc as string)).toBe('2027-03-14 03:30');
    expect(local('nightly/nyc/2027-03-14T02:30', ZONES.nyc as string)).toBe('2027-03-14 03:30');
    expect(local('pi-day/stj/2027', ZONES.stj as string)).toBe('2027-03-14 03:30');
    expect(local('nightly/nyc/2027-03-15T02:30', ZONES.nyc as string)).toBe('2027-03-15 02:30');
    expect(rows.get('pi-day/kir/2027')?.due_at).toBe(T('2027-03-13T12:30:00Z'));
    expect(rows.get('pi-day/cha/2027')?.due_at).toBe(T('2027-03-13T12:45:00Z'));
    expect(rows.get('pi-day/ktm/2027')?.due_at).toBe(T('2027-03-13T20:45:00Z'));
    expect(rows.get('pi-day/g12/2027')?.due_at).toBe(T('2027-03-14T14:30:00Z'));
    expect(rows.get('thank-you/kir/o-kir1')?.sent_at).toBe(T('2027-03-14T07:55:00Z'));
  });
});
