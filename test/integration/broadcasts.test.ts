/**
 * Broadcasts on both databases, through the real planner and deliverer on a virtual clock:
 * who is in the audience, one copy per inbox, a local 10:00 in three zones sent exactly once by
 * two workers, cancelling, what transactional lifts (window, cap) and what it never does
 * (consent), and planning twice changing nothing.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planBroadcasts } from '../../src/broadcasts/planner.js';
import { upcomingBroadcasts } from '../../src/broadcasts/upcoming.js';
import type { ForecastLine } from '../../src/schedule/forecast.js';
import {
  broadcastDetail,
  cancelBroadcast,
  countAudience,
  createBroadcast,
  listBroadcasts,
  type BroadcastDeps,
  type BroadcastInput,
} from '../../src/broadcasts/service.js';
import { setConsent } from '../../src/db/consent.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { listDeliveries, type DeliveryListRow } from '../../src/db/deliveries.js';
import { addSuppression } from '../../src/db/suppressions.js';
import type { CustomerInput } from '../../src/domain.js';
import { seedIfEmpty } from '../../src/outreach/startup.js';
import { databases } from '../support/databases.js';
import { customer } from '../support/records.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { useClockRigs, type ClockRig } from '../support/virtual-clock.js';

const T = (iso: string) => Date.parse(iso);
// Wednesday 2027-03-10 00:00 UTC: 09:00 in Tokyo, 01:00 in Paris, 19:00 the day before in New York.
const START = T('2027-03-10T00:00:00Z');
const MINUTE = 60_000;
const CONFIG = {
  automations: [],
  sending: {
    window: { start: '08:00', end: '20:00' },
    frequency_cap: { max: 1, per: '7d' },
    max_lateness: '24h',
  },
  worker: { batch_size: 5 },
};
const ZONES = ['Asia/Tokyo', 'Europe/Paris', 'America/New_York'] as const;

function deps(rig: ClockRig): BroadcastDeps {
  return { db: rig.rt.db, config: rig.rt.config, now: () => rig.clock };
}

async function store(rig: ClockRig, people: CustomerInput[]): Promise<void> {
  await upsertCustomers(rig.rt.db.knex, people, rig.clock);
}

async function create(rig: ClockRig, input: Partial<BroadcastInput>) {
  return createBroadcast(
    deps(rig),
    { template: 'we-miss-you', audience: {}, sendAt: { kind: 'now' }, ...input },
    'staff@corner.example',
  );
}

async function rowsOf(rig: ClockRig, id: number): Promise<DeliveryListRow[]> {
  return listDeliveries(rig.rt.db.knex, { automationId: `broadcast:${id}` });
}

const outcome = (rows: DeliveryListRow[]) =>
  Object.fromEntries(rows.map((r) => [r.customer_id, r.reason ?? r.status]));

describe.each(databases())('broadcasts on %s', (db) => {
  const url = db.fresh('test');
  const openRig = useClockRigs();
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });

  async function rig(start = START): Promise<ClockRig> {
    const r = await openRig({ databaseUrl: url(), smtpUrl: sink.url, start, config: CONFIG });
    await seedIfEmpty(r.rt);
    return r;
  }

  const sentTo = (from: number) => sink.messages.slice(from).map((m) => m.envelope.to.join(','));

  it('reaches any of its tags in any case, every attribute, or everyone subscribed; never the opted out or suppressed', async () => {
    const r = await rig(T('2027-03-10T15:00:00Z'));
    await store(r, [
      customer('c1', { tags: ['VIP'], attributes: { city: 'Paris' } }),
      customer('c2', { tags: ['gold'], attributes: { city: 'Lyon' } }),
      customer('c3', { tags: ['other'], attributes: { city: 'Paris' } }),
      customer('c4', { tags: ['vip'], subscribed: false }),
      customer('c5', { tags: ['vip'] }),
      customer('c6', { tags: ['Gold'] }),
    ]);
    await setConsent(
      r.rt.db.knex,
      'c5@example.com',
      [{ scope: '*', optedOut: true }],
      'preferences',
      r.clock,
    );
    await addSuppression(r.rt.db.knex, {
      email: 'C6@example.com',
      reason: 'bounced',
      source: 'operator',
      now: r.clock,
    });
    const d = deps(r);
    expect(await countAudience(d, { tags: ['vip', 'GOLD'] })).toBe(2);
    expect(await countAudience(d, { attributes: { city: 'Paris' } })).toBe(2);
    expect(await countAudience(d, { tags: ['vip'], attributes: { city: 'Paris' } })).toBe(1);
    expect(await countAudience(d, {})).toBe(3);

    const tagged = await create(r, { audience: { tags: ['vip', 'GOLD'] } });
    const everyone = await create(r, {});
    expect([tagged.audienceCount, everyone.audienceCount]).toEqual([2, 3]);
    // Added after the broadcasts were created: not in their audience.
    r.clock += MINUTE;
    await store(r, [customer('late', { tags: ['vip'] })]);
    const before = sink.messages.length;
    await r.at(r.clock);
    expect(outcome(await rowsOf(r, tagged.id))).toEqual({ c1: 'sent', c2: 'sent' });
    // The frequency cap (one a week) holds across broadcasts: c1 and c2 had theirs.
    expect(outcome(await rowsOf(r, everyone.id))).toEqual({
      c1: 'frequency-cap',
      c2: 'frequency-cap',
      c3: 'sent',
    });
    expect(sentTo(before).sort()).toEqual(['c1@example.com', 'c2@example.com', 'c3@example.com']);
  });

  it('sends one copy per inbox: the lowest id in the audience at that address', async () => {
    const r = await rig(T('2027-03-10T15:00:00Z'));
    await store(r, [
      customer('a0', { email: 'Pat@example.com' }),
      customer('a1', { email: 'pat@example.com', tags: ['news'] }),
      customer('a2', { email: 'PAT@example.com', tags: ['news'] }),
      customer('b1', { tags: ['news'] }),
    ]);
    const b = await create(r, { audience: { tags: ['news'] } });
    expect(b.audienceCount).toBe(3);
    const before = sink.messages.length;
    await r.at(r.clock);
    expect(outcome(await rowsOf(r, b.id))).toEqual({ a1: 'sent', a2: 'duplicate-address', b1: 'sent' });
    expect(sentTo(before).filter((to) => to.toLowerCase() === 'pat@example.com')).toHaveLength(1);
  });

  it("goes at 10:00 in each customer's zone, exactly once with two workers", async () => {
    const a = await rig();
    const b = await openRig({ databaseUrl: url(), smtpUrl: sink.url, start: START, config: CONFIG });
    await store(
      a,
      ZONES.flatMap((zone, z) =>
        Array.from({ length: 8 }, (_, i) => customer(`z${z}-${i}`, { timezone: zone })),
      ),
    );
    const broadcast = await create(a, { sendAt: { kind: 'at', time: '10:00', date: null } });
    expect(broadcast.audienceCount).toBe(24);
    const before = sink.messages.length;
    const due = ZONES.map((zone) => DateTime.fromISO('2027-03-10T10:00', { zone }).toMillis()).sort();
    for (const t of due) {
      // A minute early nothing goes; on time, both workers claim side by side.
      a.clock = b.clock = t - MINUTE;
      expect((await a.at(t - MINUTE)).sent).toBe(0);
      a.clock = b.clock = t;
      await a.tick();
      await Promise.all([a.deliver(), b.deliver()]);
    }
    const rows = await rowsOf(a, broadcast.id);
    expect(rows.map((x) => x.status)).toEqual(Array(24).fill('sent'));
    for (const row of rows) {
      const zone = ZONES[Number(row.customer_id.slice(1, 2))] as string;
      expect(DateTime.fromMillis(row.sent_at as number, { zone }).toFormat('yyyy-MM-dd HH:mm')).toBe(
        '2027-03-10 10:00',
      );
    }
    const mine = sink.messages.slice(before);
    expect(mine).toHaveLength(24);
    expect(new Set(mine.map((m) => m.messageId)).size).toBe(24);
    expect(a.handed.length + b.handed.length).toBe(24);
    expect(b.handed.length).toBeGreaterThan(0);
    // The next tick finds nothing left to send.
    await a.tick();
    const detail = await broadcastDetail(deps(a), broadcast.id);
    expect(detail.status).toBe('sent');
    expect(detail.zones.map((z) => [z.zone, z.counts.sent])).toEqual(
      [...ZONES].sort().map((zone) => [zone, 8]),
    );
  });

  it('sends nothing once cancelled: pending rows are skipped, and a row planned in the race is skipped at claim', async () => {
    const r = await rig();
    await store(r, [
      customer('p1', { timezone: 'Europe/Paris' }),
      customer('p2', { timezone: 'Europe/Paris' }),
    ]);
    const first = await create(r, { sendAt: { kind: 'at', time: '10:00', date: '2027-03-10' } });
    const second = await create(r, { sendAt: { kind: 'at', time: '11:00', date: '2027-03-10' } });
    await r.tick();
    expect(outcome(await rowsOf(r, first.id))).toEqual({ p1: 'pending', p2: 'pending' });
    const { skipped } = await cancelBroadcast(deps(r), first.id, 'owner@corner.example');
    expect(skipped).toBe(2);
    // As if the planner stored its page just after the cancel: the claim still sees the cancel.
    await r.rt.db.knex('broadcasts').where({ id: second.id }).update({ status: 'cancelled' });
    const before = sink.messages.length;
    await r.runUntil(T('2027-03-11T00:00:00Z'), 30 * MINUTE);
    expect(sink.messages.length).toBe(before);
    expect(outcome(await rowsOf(r, first.id))).toEqual({
      p1: 'broadcast-cancelled',
      p2: 'broadcast-cancelled',
    });
    expect(outcome(await rowsOf(r, second.id))).toEqual({
      p1: 'broadcast-cancelled',
      p2: 'broadcast-cancelled',
    });
    const listed = (await listBroadcasts(deps(r))).find((x) => x.id === first.id);
    expect(listed).toMatchObject({ status: 'cancelled', cancelledBy: 'owner@corner.example' });
    expect(listed?.counts).toMatchObject({ sent: 0, pending: 0, skipped: 2 });
    await expect(cancelBroadcast(deps(r), first.id, 'x')).rejects.toThrow('already cancelled');
  });

  it('transactional skips the send window and the frequency cap, never consent', async () => {
    // 03:00 UTC is 04:00 in Paris: outside the 08:00-20:00 window.
    const r = await rig(T('2027-03-10T03:00:00Z'));
    await store(r, [
      customer('t1', { timezone: 'Europe/Paris' }),
      customer('t2', { timezone: 'Europe/Paris' }),
    ]);
    const marketing = await create(r, {});
    const urgent = await create(r, { transactional: true });
    await r.tick();
    await setConsent(
      r.rt.db.knex,
      't2@example.com',
      [{ scope: '*', optedOut: true }],
      'preferences',
      r.clock,
    );
    await r.deliver();
    // t2 opted out after both were planned: consent holds at send time for either.
    expect(outcome(await rowsOf(r, urgent.id))).toEqual({ t1: 'sent', t2: 'unsubscribed' });
    const waiting = await rowsOf(r, marketing.id);
    expect(waiting.find((x) => x.customer_id === 't1')).toMatchObject({
      status: 'pending',
      due_at: T('2027-03-10T07:00:00Z'),
    });
    // At 08:00 in Paris the window opens; transactional mail does not count toward the cap.
    await r.at(T('2027-03-10T07:00:00Z'));
    expect(outcome(await rowsOf(r, marketing.id))).toEqual({ t1: 'sent', t2: 'unsubscribed' });
    // Now t1's weekly marketing message is spent: another marketing broadcast waits, a transactional one goes.
    const again = await create(r, {});
    const urgentAgain = await create(r, { transactional: true });
    await r.at(r.clock + MINUTE);
    expect(outcome(await rowsOf(r, urgentAgain.id))).toMatchObject({ t1: 'sent' });
    expect((await rowsOf(r, again.id)).find((x) => x.customer_id === 't1')).toMatchObject({
      status: 'skipped',
      reason: 'frequency-cap',
    });
  });

  it('planning again changes nothing, and a changed customer keeps their broadcast row', async () => {
    const r = await rig();
    await store(r, [customer('r1', { timezone: 'Asia/Tokyo' }), customer('r2')]);
    const b = await create(r, { sendAt: { kind: 'at', time: '18:00', date: null } });
    // `upcoming` shows the same times before the daemon plans it (forecast) and after (the books).
    const week = r.clock + 7 * 86_400_000;
    const forecast = await upcomingBroadcasts(r.rt.db, r.rt.config, r.clock, week);
    await r.tick();
    const booked = await upcomingBroadcasts(r.rt.db, r.rt.config, r.clock, week);
    const times = (lines: ForecastLine[]) =>
      lines.map((l) => `${l.customer_id} ${l.local_time} ${l.outcome}`).sort();
    expect(times(forecast)).toEqual([
      'r1 2027-03-10T18:00:00+09:00 send',
      'r2 2027-03-10T18:00:00-05:00 send',
    ]);
    expect(times(booked)).toEqual(times(forecast));
    const first = await rowsOf(r, b.id);
    expect(first).toHaveLength(2);
    // As after a crash before the progress was written: the same pages are planned again.
    await r.rt.db
      .knex('broadcasts')
      .where({ id: b.id })
      .update({ status: 'scheduled', planned_through: null });
    expect((await planBroadcasts(r.rt.db, r.rt.config, r.clock)).inserted).toBe(0);
    r.clock += MINUTE;
    await store(r, [customer('r1', { timezone: 'Asia/Tokyo', first_name: 'Renamed' })]);
    await r.tick();
    const again = await rowsOf(r, b.id);
    expect(again.map((x) => [x.id, x.status, x.due_at])).toEqual(
      first.map((x) => [x.id, x.status, x.due_at]),
    );
  });
});
