/**
 * Downtime: the worker stops for 30 hours of due mail and starts again. Each occurrence due at
 * most max_lateness (24h) ago is sent once, the backlog in due order; older ones are expired with
 * a reason — whether they were planned before the stop or only found after — and `rapport status`
 * counts them.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { countByStatus, listDeliveries } from '../../src/db/deliveries.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { messageIdFor } from '../../src/deliver/compose.js';
import { databases } from '../support/databases.js';
import { expectedInstant } from '../support/local-time.js';
import { customer, purchase } from '../support/records.js';
import { writeTestConfig } from '../support/runtime.js';
import { useSmtpSink } from '../support/smtp-sink.js';
import { useClockRigs, type ClockRig } from '../support/virtual-clock.js';

const T = (iso: string) => Date.parse(iso);
const MIN = 60_000;
const HOUR = 60 * MIN;
const LATENESS = 24 * HOUR;

/** The last tick before the stop; it planned up to STOP + 15 minutes. */
const STOP = T('2027-05-31T23:55:00Z');
const RESTART = STOP + 30 * HOUR;

const CONFIG = {
  sending: { window: undefined, frequency_cap: undefined, max_lateness: '24h' },
  // Small batches: the backlog takes several claims, each of the earliest-due rows.
  worker: { batch_size: 7 },
  automations: [
    { id: 'thank-you', on: { event: 'purchase', after: '1h' }, template: 'thank-you', transactional: true },
    { id: 'birthday', on: { birthday: true, at: '09:00' }, template: 'birthday' },
    { id: 'every-3h', on: { schedule: '0 */3 * * *' }, template: 'we-miss-you' },
  ],
};

const ZONES: Record<string, string> = {
  utc: 'UTC',
  ktm: 'Asia/Kathmandu',
  stj: 'America/St_Johns',
  kir: 'Pacific/Kiritimati',
  g12: 'Etc/GMT+12',
};

const CUSTOMERS = [
  customer('utc', { timezone: ZONES.utc, birthday: '06-02' }),
  // 09:00 on Jun 1 is 03:15Z: 26h45m before the restart, expired.
  customer('ktm', { timezone: ZONES.ktm, birthday: '06-01' }),
  // 09:00 NDT is 11:30Z: within lateness at the restart, sent.
  customer('stj', { timezone: ZONES.stj, birthday: '1990-06-01' }),
  // 09:00 on Jun 1 is May 31 19:00Z: sent before the stop.
  customer('kir', { timezone: ZONES.kir, birthday: '06-01' }),
  // 09:00 on Jun 1 is 21:00Z: sent at the restart.
  customer('g12', { timezone: ZONES.g12, birthday: '06-01' }),
];

/** Bought just before the stop: its thank-you falls due 30 minutes into the downtime. */
const BEFORE = purchase('o-before', 'utc', STOP - 25 * MIN);
/** Bought (and stored by an import) while the worker was down. */
const DURING = purchase('o-during', 'kir', STOP + 20 * HOUR);

interface Occurrence {
  key: string;
  due: number;
}

function occurrences(): Occurrence[] {
  const out: Occurrence[] = [];
  for (const c of CUSTOMERS) {
    const zone = ZONES[c.id] as string;
    const [month, day] = (c.birthday as string).slice(-5).split('-').map(Number) as [number, number];
    out.push({ key: `birthday/${c.id}/2027`, due: expectedInstant(zone, 2027, month, day, 9, 0) });
    for (const [month, day] of [
      [5, 30],
      [5, 31],
      [6, 1],
      [6, 2],
      [6, 3],
    ] as const) {
      for (let hour = 0; hour < 24; hour += 3) {
        const occurrence = `2027-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00`;
        out.push({
          key: `every-3h/${c.id}/${occurrence}`,
          due: expectedInstant(zone, 2027, month, day, hour, 0),
        });
      }
    }
  }
  for (const e of [BEFORE, DURING])
    out.push({ key: `thank-you/${e.customer_id}/${e.id}`, due: e.occurred_at + HOUR });
  return out;
}

const messageId = (key: string) => {
  const [automationId, customerId, occurrence] = key.split('/') as [string, string, string];
  return messageIdFor({ automationId, customerId, occurrence }, 'hello@corner.example');
};

describe.each(databases())('downtime on %s', (db) => {
  const url = db.fresh('test');
  const sink = useSmtpSink();
  const openRig = useClockRigs();
  let rig: ClockRig | undefined;

  it('sends what is still in time once, in due order, and expires the rest with a reason', async () => {
    // Running normally for two hours, ticking every five minutes.
    rig = await openRig({
      databaseUrl: url(),
      smtpUrl: sink().url,
      start: STOP - 2 * HOUR,
      config: CONFIG,
    });
    await upsertCustomers(rig.rt.db.knex, CUSTOMERS, STOP - 40 * 24 * HOUR);
    for (let t = STOP - 2 * HOUR; t <= STOP; t += 5 * MIN) {
      if (t === STOP - 25 * MIN) await upsertEvents(rig.rt.db.knex, [BEFORE], t);
      await rig.at(t);
    }
    await rig.close();
    const beforeStop = new Set(sink().messages.map((m) => m.messageId));

    // While stopped, an import stores a purchase; then the worker starts again.
    rig = await openRig({ databaseUrl: url(), smtpUrl: sink().url, start: RESTART, config: CONFIG });
    const { knex } = rig.rt.db;
    await upsertEvents(knex, [DURING], DURING.occurred_at + 5 * MIN);
    const pendingAtStop = (await listDeliveries(knex, { status: 'pending' })).map(
      (r) => `${r.automation_id}/${r.customer_id}/${r.occurrence}`,
    );
    await rig.at(RESTART);
    await rig.at(RESTART); // a doubled tick right after start changes nothing

    const rows = new Map(
      (await listDeliveries(knex, { limit: 10_000 })).map((r) => [
        `${r.automation_id}/${r.customer_id}/${r.occurrence}`,
        r,
      ]),
    );
    const all = occurrences();
    const inTime = all.filter((o) => o.due > STOP && o.due <= RESTART && RESTART - o.due <= LATENESS);
    const tooLate = all.filter((o) => o.due > STOP && RESTART - o.due > LATENESS);
    const earlier = all.filter((o) => o.due <= STOP && o.due > STOP - 2 * HOUR - LATENESS);
    expect(inTime.length).toBeGreaterThan(40);
    expect(tooLate.length).toBeGreaterThan(10);
    // Some of the expired ones were planned before the stop, others only after the restart.
    expect(tooLate.filter((o) => pendingAtStop.includes(o.key)).length).toBeGreaterThan(0);
    expect(tooLate.filter((o) => !pendingAtStop.includes(o.key)).length).toBeGreaterThan(0);
    // The edge: due exactly max_lateness before the restart is still in time.
    expect(inTime.map((o) => o.key)).toContain('every-3h/utc/2027-06-01T06:00');

    for (const o of inTime) {
      expect({ key: o.key, status: rows.get(o.key)?.status, sent_at: rows.get(o.key)?.sent_at }).toEqual({
        key: o.key,
        status: 'sent',
        sent_at: RESTART,
      });
    }
    for (const o of tooLate) {
      expect({ key: o.key, status: rows.get(o.key)?.status, reason: rows.get(o.key)?.reason }).toEqual({
        key: o.key,
        status: 'expired',
        reason: 'expired',
      });
    }
    for (const o of earlier)
      expect({ key: o.key, status: rows.get(o.key)?.status }).toEqual({ key: o.key, status: 'sent' });

    // Exactly once each, and the backlog handed to the mailer in due order.
    const counts = sink().countByMessageId();
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(counts.keys())).toEqual(new Set([...inTime, ...earlier].map((o) => messageId(o.key))));
    const dueOf = new Map(inTime.map((o) => [messageId(o.key), o.due]));
    const handedDue = rig.handed.map((id) => dueOf.get(id) ?? Number.NaN);
    expect(handedDue).toHaveLength(inTime.length);
    expect(handedDue).toEqual([...handedDue].sort((a, b) => a - b));
    expect([...beforeStop].every((id) => !rig?.handed.includes(id as string))).toBe(true);

    // `rapport status` counts them.
    const counted = await countByStatus(knex);
    expect(counted.expired).toBe(tooLate.length);
    expect(counted.sent).toBe(inTime.length + earlier.length);
    let out = '';
    const code = await main(['status', '--json'], {
      out: (t) => void (out += t),
      err: () => {},
      env: {
        RAPPORT_CONFIG: writeTestConfig(CONFIG),
        DATABASE_URL: url(),
        SMTP_URL: sink().url,
        RAPPORT_SECRET: 'downtime-test-secret-0123456789abcdef',
        RAPPORT_LOG_LEVEL: 'silent',
      },
      stdin: process.stdin,
    });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      deliveries: { expired: tooLate.length, sent: inTime.length + earlier.length },
    });

    // Running on normally: the next occurrences go at their time, nothing old again.
    const handedAtRestart = rig.handed.length;
    for (let t = RESTART + 5 * MIN; t <= RESTART + 4 * HOUR; t += 5 * MIN) await rig.at(t);
    const next = all.filter((o) => o.due > RESTART && o.due <= RESTART + 4 * HOUR);
    expect(next.length).toBeGreaterThan(0);
    expect(rig.handed.slice(handedAtRestart).sort()).toEqual(next.map((o) => messageId(o.key)).sort());
    const later = new Map(
      (await listDeliveries(knex, { limit: 10_000 })).map((r) => [
        `${r.automation_id}/${r.customer_id}/${r.occurrence}`,
        r,
      ]),
    );
    for (const o of next)
      expect({ key: o.key, sent_at: later.get(o.key)?.sent_at }).toEqual({ key: o.key, sent_at: o.due });
    expect([...sink().countByMessageId().values()].every((n) => n === 1)).toBe(true);
  });
});
