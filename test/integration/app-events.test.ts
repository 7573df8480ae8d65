/**
 * The app's events against the real sink: what a tick, a batch, each message and a pause
 * report, and the send metrics (/metrics latency, the status row's last minute) fed from them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { database } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { openTestRuntime } from '../support/runtime.js';
import { AUTOMATION, crashOverrides, seedDue } from '../support/crash.js';
import { createApp, type App } from '../../src/app.js';
import type { AppEventMap } from '../../src/events.js';

const sqlite = database('sqlite');
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Heard = Array<{ [K in keyof AppEventMap]: [K, AppEventMap[K]] }[keyof AppEventMap]>;

/** An app on a fresh database with n receipts due a minute ago, and every event it emits. */
async function setUp(
  smtpUrl: string,
  n: number,
  clock: { now: number },
): Promise<{ app: App; heard: Heard }> {
  const created = await sqlite.create();
  cleanups.push(created.drop);
  const now = () => clock.now;
  const rt = await openTestRuntime({
    databaseUrl: created.url,
    smtpUrl,
    now,
    config: crashOverrides({ rate: 1000, batch: 20 }),
  });
  cleanups.push(rt.close);
  await seedDue(created.url, n, clock.now - 60_000);
  const app = await createApp(rt, { workerId: 'events-worker', now });
  cleanups.push(() => app.close());
  const heard: Heard = [];
  const names: Array<keyof AppEventMap> = [
    'tick:end',
    'delivery:sent',
    'delivery:failed',
    'delivery:retry',
    'batch:end',
    'breaker:open',
    'breaker:close',
  ];
  for (const name of names) app.events.on(name, (payload) => heard.push([name, payload] as Heard[number]));
  return { app, heard };
}

const of = <K extends keyof AppEventMap>(heard: Heard, name: K) =>
  heard.filter(([n]) => n === name).map(([, p]) => p as AppEventMap[K]);

describe('app events (SQLite)', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  afterEach(() => {
    sink.reset();
    sink.clearFaults();
  });

  it('reports the tick, each send, failure and retry by key, and the batch; the metrics count the sends', async () => {
    sink.rejectRecipient('c000001@example.test', 550, '5.1.1 <c000001@example.test>: User unknown');
    sink.rejectRecipient('c000002@example.test', 552, '5.2.2 <c000002@example.test>: Mailbox full');
    const clock = { now: Date.now() };
    const { app, heard } = await setUp(sink.url, 6, clock);

    const tick = await app.tick();
    expect(of(heard, 'tick:end')).toEqual([
      { at: clock.now, planned: tick.planned, inserted: 6, ms: expect.any(Number) },
    ]);
    await app.drain();

    const key = (i: number) => ({
      automationId: AUTOMATION,
      customerId: `c00000${i}`,
      occurrence: `order-c00000${i}`,
    });
    const sent = of(heard, 'delivery:sent');
    expect(sent.map((s) => s.key).sort((a, b) => a.customerId.localeCompare(b.customerId))).toEqual(
      [0, 3, 4, 5].map(key),
    );
    expect(sent.every((s) => s.ms >= 0)).toBe(true);
    expect(of(heard, 'delivery:failed')).toEqual([
      {
        key: key(1),
        id: expect.any(Number) as number,
        attempt: 1,
        error: expect.stringMatching(/^550 5\.1\.1/) as string,
        cause: 'permanent',
      },
    ]);
    expect(of(heard, 'delivery:retry')).toEqual([
      {
        key: key(2),
        id: expect.any(Number) as number,
        attempt: 1,
        error: expect.stringMatching(/^552 5\.2\.2/) as string,
        cause: 'temporary',
      },
    ]);
    expect(of(heard, 'batch:end')).toEqual([
      expect.objectContaining({ claimed: 6, sent: 4, failed: 1, retried: 1, released: 0 }),
    ]);
    // The batch ends after its messages.
    expect(heard.at(-1)?.[0]).toBe('batch:end');
    expect(app.sendLatency.lines('latency')).toContain('latency_count 4');
    expect(app.sent.lastMinute(clock.now)).toBe(4);
  });

  it('reports the pause when the relay refuses our sender, and its end when a probe goes through', async () => {
    sink.failMailFrom(553, Infinity, '5.1.8 <crash@rapport.test>: Sender address rejected');
    const clock = { now: Date.now() };
    const { app, heard } = await setUp(sink.url, 3, clock);
    await app.tick();
    await app.drain();
    const [open, ...more] = of(heard, 'breaker:open');
    expect(more).toEqual([]);
    expect(open?.reason).toMatch(/^the relay refused our sender at MAIL FROM: 553 5\.1\.8/);
    expect(open?.retryAt).toBeGreaterThan(clock.now);
    expect(of(heard, 'delivery:sent')).toEqual([]);
    expect(of(heard, 'batch:end')).toEqual([expect.objectContaining({ claimed: 3, sent: 0, released: 3 })]);

    sink.clearFaults();
    clock.now = (open?.retryAt ?? 0) + 1;
    await app.drain();
    expect(of(heard, 'breaker:close')).toEqual([
      { reason: open?.reason, pausedMs: expect.any(Number) as number },
    ]);
    expect(of(heard, 'delivery:sent')).toHaveLength(3);
    expect(app.sent.lastMinute(clock.now)).toBe(3);
  });
});
