/**
 * Sending policies at work in the running daemon (virtual clock, real tick and deliverer): the
 * local send window, the frequency cap (defer; skip with `frequency-cap` when deferring would pass
 * max_lateness; priority = order in the config), and transactional mail ignoring both. The
 * forecast of the same fortnight, made beforehand, says exactly what the daemon then does.
 */
import { describe, expect, it } from 'vitest';
import { listDeliveries, type DeliveryRow } from '../../src/db/deliveries.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { forecast, type ForecastLine } from '../../src/schedule/forecast.js';
import { database } from '../support/databases.js';
import { expectedInstant, localIsoOf } from '../support/local-time.js';
import { customer, purchase } from '../support/records.js';
import { useSmtpSink } from '../support/smtp-sink.js';
import { useClockRigs, type ClockRig } from '../support/virtual-clock.js';

const T = (iso: string) => Date.parse(iso);
const MIN = 60_000;
const HOUR = 60 * MIN;

const KTM = 'Asia/Kathmandu';
const NYC = 'America/New_York';
const START = T('2027-06-06T00:00:00Z');
const END = T('2027-06-17T00:00:00Z');

const marketing = (id: string, date: string, at: string, tag: string) => ({
  id,
  on: { date, at },
  where: { tags: [tag] },
  template: 'holiday',
});

const CONFIG = {
  sending: {
    window: { start: '08:00', end: '20:00' },
    frequency_cap: { max: 2, per: '7d' },
    max_lateness: '24h',
  },
  // Planned a day ahead, so the clock can move from one due time to the next (see runUntil).
  worker: { horizon: '1d' },
  automations: [
    { id: 'thank-you', on: { event: 'purchase', after: '1h' }, template: 'thank-you', transactional: true },
    marketing('a', '06-07', '09:00', 'k'),
    // After the window closes: waits for the next day's start.
    marketing('b', '06-08', '21:30', 'k'),
    // Third in a week, and the cap frees up only five days later: skipped.
    marketing('e', '06-09', '12:00', 'k'),
    // Before the window opens (08:00), then one hour more for the cap (a was Jun 7 09:00).
    marketing('c', '06-14', '07:00', 'k'),
    // The cap frees up 36.5 hours after it was due: skipped.
    marketing('d', '06-14', '19:30', 'k'),
    marketing('p1', '06-10', '10:00', 'p'),
    // Due together with room for one: the one listed first wins.
    marketing('zeta', '06-12', '10:00', 'p'),
    marketing('alpha', '06-12', '10:00', 'p'),
    marketing('q1', '06-07', '10:00', 'q'),
    marketing('q2', '06-08', '10:00', 'q'),
    // Both due at 09:00 and deferred by the cap to 10:00, when there is room for one: the other
    // would wait until Jun 15 10:00, 25 hours after it was due — skipped.
    marketing('qx', '06-14', '09:00', 'q'),
    marketing('qy', '06-14', '09:00', 'q'),
    marketing('r1', '06-07', '10:00', 'r'),
    marketing('r2', '06-08', '10:00', 'r'),
    // Due at 10:00, when rc (due 09:00, deferred to 10:00) also becomes sendable: the earlier-due
    // one goes first, though rz is listed first; rz waits a day, just within lateness.
    marketing('rz', '06-14', '10:00', 'r'),
    marketing('rc', '06-14', '09:00', 'r'),
  ],
};

const CUSTOMERS = [
  customer('ktm', { timezone: KTM, tags: ['k'] }),
  customer('pri', { timezone: NYC, tags: ['p'] }),
  customer('two', { timezone: NYC, tags: ['q'] }),
  customer('wait', { timezone: NYC, tags: ['r'] }),
];

/** Purchases at 02:00 and 21:00 Kathmandu time: thank-yous due outside the window. */
const PURCHASES = [
  purchase('o-night', 'ktm', T('2027-06-08T20:15:00Z')),
  purchase('o-evening', 'ktm', T('2027-06-14T15:15:00Z')),
];

const local = (zone: string, date: string, time: string) => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = time.split(':').map(Number) as [number, number];
  return expectedInstant(zone, y, m, d, h, mi);
};

interface Outcome {
  status: string;
  reason: string | null;
  sent_at: number | null;
}

const EXPECTED: Record<string, Outcome> = {
  'a/ktm/2027': { status: 'sent', reason: null, sent_at: local(KTM, '2027-06-07', '09:00') },
  'b/ktm/2027': { status: 'sent', reason: null, sent_at: local(KTM, '2027-06-09', '08:00') },
  'e/ktm/2027': { status: 'skipped', reason: 'frequency-cap', sent_at: null },
  'c/ktm/2027': { status: 'sent', reason: null, sent_at: local(KTM, '2027-06-14', '09:00') },
  'd/ktm/2027': { status: 'skipped', reason: 'frequency-cap', sent_at: null },
  // Transactional: at 03:00 and 22:00 local, whatever the window and the cap say.
  'thank-you/ktm/o-night': { status: 'sent', reason: null, sent_at: local(KTM, '2027-06-09', '03:00') },
  'thank-you/ktm/o-evening': { status: 'sent', reason: null, sent_at: local(KTM, '2027-06-14', '22:00') },
  'p1/pri/2027': { status: 'sent', reason: null, sent_at: local(NYC, '2027-06-10', '10:00') },
  'zeta/pri/2027': { status: 'sent', reason: null, sent_at: local(NYC, '2027-06-12', '10:00') },
  'alpha/pri/2027': { status: 'skipped', reason: 'frequency-cap', sent_at: null },
  'q1/two/2027': { status: 'sent', reason: null, sent_at: local(NYC, '2027-06-07', '10:00') },
  'q2/two/2027': { status: 'sent', reason: null, sent_at: local(NYC, '2027-06-08', '10:00') },
  'qx/two/2027': { status: 'sent', reason: null, sent_at: local(NYC, '2027-06-14', '10:00') },
  'qy/two/2027': { status: 'skipped', reason: 'frequency-cap', sent_at: null },
  'r1/wait/2027': { status: 'sent', reason: null, sent_at: local(NYC, '2027-06-07', '10:00') },
  'r2/wait/2027': { status: 'sent', reason: null, sent_at: local(NYC, '2027-06-08', '10:00') },
  'rc/wait/2027': { status: 'sent', reason: null, sent_at: local(NYC, '2027-06-14', '10:00') },
  'rz/wait/2027': { status: 'sent', reason: null, sent_at: local(NYC, '2027-06-15', '10:00') },
};

const keyOf = (r: Pick<DeliveryRow, 'automation_id' | 'customer_id' | 'occurrence'>) =>
  `${r.automation_id}/${r.customer_id}/${r.occurrence}`;

describe('send window, frequency cap and lateness in the running daemon', () => {
  const url = database('sqlite').fresh('test');
  const sink = useSmtpSink();
  const openRig = useClockRigs();
  let rig: ClockRig | undefined;

  it('defers to the window, defers or skips for the cap, lets transactional mail through, as forecast', async () => {
    rig = await openRig({ databaseUrl: url(), smtpUrl: sink().url, start: START, config: CONFIG });
    const { db, config } = rig.rt;
    await upsertCustomers(db.knex, CUSTOMERS, START - 90 * 24 * HOUR);
    // Known in advance, so the forecast and the daemon see the same data.
    await upsertEvents(db.knex, PURCHASES, START);

    const forecast_: ForecastLine[] = [];
    await forecast(db, config, {
      from: START,
      to: END,
      useBooks: false,
      onLines: (lines) => void forecast_.push(...lines),
    });

    // A tick every 6 hours, and the deliverer wakes exactly when the next message is due.
    await rig.runUntil(END, 6 * HOUR);

    const rows = await listDeliveries(db.knex, { limit: 1000 });
    const got = Object.fromEntries(
      rows.map((r) => [keyOf(r), { status: r.status, reason: r.reason, sent_at: r.sent_at }]),
    );
    expect(got).toEqual(EXPECTED);
    // The deferred message kept its due time (the window's start); the cap only moved when it went.
    expect(rows.find((r) => keyOf(r) === 'c/ktm/2027')?.due_at).toBe(local(KTM, '2027-06-14', '08:00'));
    expect(rows.find((r) => keyOf(r) === 'b/ktm/2027')?.due_at).toBe(local(KTM, '2027-06-09', '08:00'));
    expect(sink().messages).toHaveLength(Object.values(EXPECTED).filter((o) => o.status === 'sent').length);

    // The forecast said so beforehand: same outcomes, same reasons, same send times.
    const said = Object.fromEntries(
      forecast_.map((l) => [
        `${l.automation}/${l.customer_id}/${l.occurrence}`,
        {
          status: l.outcome === 'send' ? 'sent' : 'skipped',
          reason: l.reason,
          sent_at: l.outcome === 'send' ? Date.parse(l.send_at) : null,
        },
      ]),
    );
    expect(said).toEqual(EXPECTED);
    for (const l of forecast_) {
      expect(l.local_time).toBe(localIsoOf(l.customer_id === 'ktm' ? KTM : NYC, Date.parse(l.send_at)));
    }
  });
});
