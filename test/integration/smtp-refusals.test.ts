/**
 * Refusals by who is refused, against the real SMTP sink and the whole daemon (scheduler,
 * delivery loop, HTTP): a relay refusing our sender pauses sending and `/readyz` says why,
 * with every customer's mail left pending as it was; a probe resumes sending once the relay
 * accepts. Only an address the relay says is gone is suppressed; a full mailbox is retried.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { database } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { openTestRuntime } from '../support/runtime.js';
import {
  crashConfig,
  crashOverrides,
  daemonEnv,
  openBooks,
  seedDue,
  type BooksReader,
} from '../support/crash.js';
import { cli } from '../support/cli.js';
import { startDaemon, type Daemon } from '../../src/main.js';
import { batchesSent, nextEvent, whenEvents } from '../support/events.js';
import { suppressedAmong } from '../../src/db/consent.js';
import type { Logger } from '../../src/log.js';
import type { DbRuntime } from '../../src/runtime.js';

const sqlite = database('sqlite');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Rig {
  rt: DbRuntime;
  daemon: Daemon;
  books: BooksReader;
  events: Array<Record<string, unknown>>;
  /** Moves the daemon's clock forward (the breaker's pause is measured by it). */
  advance(ms: number): void;
  readyz(): Promise<{ status: number; checks: Record<string, string> }>;
}

/** n receipts due now, a daemon sending them to `sink`, its log events captured. */
async function startRig(sink: SmtpSink, n: number): Promise<Rig> {
  const created = await sqlite.create();
  cleanups.push(created.drop);
  let offset = 0;
  const now = () => Date.now() + offset;
  const opened = await openTestRuntime({
    databaseUrl: created.url,
    smtpUrl: sink.url,
    now,
    config: { ...crashOverrides({ rate: 1000, batch: 20 }), http: { listen: '127.0.0.1:0' } },
  });
  const events: Array<Record<string, unknown>> = [];
  const capture = (obj: object) => void events.push(obj as Record<string, unknown>);
  const log: Logger = { debug: capture, info: capture, warn: capture, error: capture };
  const rt: DbRuntime = { ...opened, log };
  await seedDue(created.url, n, Date.now() - 60_000);
  const books = openBooks(created.url);
  cleanups.push(books.close);
  const daemon = await startDaemon(rt);
  cleanups.push(daemon.stop);
  return {
    rt,
    daemon,
    books,
    events,
    advance: (ms) => void (offset += ms),
    async readyz() {
      const res = await fetch(`${daemon.httpUrl}/readyz`);
      const body = (await res.json()) as { checks: Record<string, string> };
      return { status: res.status, checks: body.checks };
    },
  };
}

const named = (rig: Rig, event: string) => rig.events.filter((e) => e.event === event);

describe('SMTP refusals against the real sink (SQLite)', () => {
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

  it('553 5.1.8 at MAIL FROM pauses sending, fails no one, and a probe resumes once the relay accepts', async () => {
    sink.failMailFrom(553, Infinity, '5.1.8 <crash@rapport.test>: Sender address rejected: Domain not found');
    const rig = await startRig(sink, 30);

    await whenEvents(
      rig.daemon.events,
      ['breaker:open'],
      async () => (await rig.readyz()).status === 503,
      '/readyz to say sending is paused',
    );
    const { checks } = await rig.readyz();
    expect(checks.sending).toMatch(
      /^paused: the relay refused our sender at MAIL FROM: 553 5\.1\.8 .*Sender address rejected/,
    );
    await whenEvents(
      rig.daemon.events,
      ['batch:end'],
      async () => (await rig.books.read()).counts.sending === 0,
      'the batch to be given back',
    );
    const rows = await rig.books.deliveries();
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.status === 'pending' && r.attempts === 0)).toBe(true);
    expect((await rig.books.read()).suppressions).toBe(0);
    // At most the messages in flight when the first refusal came; then nothing until the probe.
    const refused = sink.stats.refusedAtMailFrom;
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThanOrEqual(10);
    expect(named(rig, 'sending.paused')).toHaveLength(1);
    expect(named(rig, 'sending.paused')[0]).toMatchObject({
      stage: 'MAIL FROM',
      reply: expect.stringMatching(/^553 5\.1\.8/),
    });
    expect(named(rig, 'delivery.failed')).toEqual([]);

    // The pause's end: one probe, still refused, pauses again (for longer) and sends nothing.
    const pausedAgain = nextEvent(rig.daemon.events, 'breaker:open', 'the probe to pause sending again');
    rig.advance(16_000);
    rig.daemon.loop.wake();
    expect((await pausedAgain).reason).toMatch(/^the relay refused our sender at MAIL FROM: 553 5\.1\.8/);
    expect(named(rig, 'sending.paused')).toHaveLength(2);
    expect(sink.stats.refusedAtMailFrom).toBe(refused + 1);

    // The relay is fixed: the next probe goes through and the backlog follows.
    sink.clearFaults();
    const resumed = nextEvent(rig.daemon.events, 'breaker:close', 'the probe to resume sending');
    const backlog = batchesSent(rig.daemon.events, 30, 'the backlog to be sent', 15_000);
    rig.advance(31_000);
    rig.daemon.loop.wake();
    await resumed;
    await backlog;
    expect((await rig.books.read()).counts).toMatchObject({ sent: 30, pending: 0, sending: 0 });
    expect(sink.messages).toHaveLength(30);
    expect((await rig.readyz()).status).toBe(200);
    expect(named(rig, 'sending.resumed')).toHaveLength(1);
    expect((await rig.books.deliveries()).every((r) => r.attempts === 1)).toBe(true);
  });

  it('550 5.7.1 at MAIL FROM keeps the whole backlog pending and /readyz at 503', async () => {
    sink.failMailFrom(550, Infinity, '5.7.1 Sender not authorized to relay');
    const rig = await startRig(sink, 50);
    await whenEvents(
      rig.daemon.events,
      ['breaker:open'],
      async () => (await rig.readyz()).status === 503,
      '/readyz 503',
    );
    expect((await rig.readyz()).checks.sending).toMatch(/550 5\.7\.1 Sender not authorized/);
    await whenEvents(
      rig.daemon.events,
      ['batch:end'],
      async () => (await rig.books.read()).counts.sending === 0,
      'the batch to be given back',
    );
    const { counts, suppressions } = await rig.books.read();
    expect(counts).toMatchObject({ pending: 50, failed: 0, sent: 0, suppressed: 0 });
    expect(suppressions).toBe(0);
    expect(sink.messages).toHaveLength(0);
  });

  it('start --once stops at the refusal, says so and exits 1, leaving the rest pending', async () => {
    sink.failMailFrom(553, Infinity, '5.1.8 <crash@rapport.test>: Sender address rejected');
    const created = await sqlite.create();
    cleanups.push(created.drop);
    await seedDue(created.url, 12, Date.now() - 60_000);
    const env = daemonEnv(created.url, sink.url, crashConfig({ rate: 1000, batch: 20 }));
    const run = await cli({ ...env, RAPPORT_LOG_LEVEL: 'silent' }, 'start', '--once');
    expect(run.code).toBe(1);
    expect(run.out).toContain('sent 0, retry later 0, failed 0, suppressed 0');
    expect(run.err).toMatch(
      /sending paused, the rest stays pending: the relay refused our sender at MAIL FROM: 553 5\.1\.8/,
    );
    const books = openBooks(created.url);
    cleanups.push(books.close);
    const rows = await books.deliveries();
    expect(rows).toHaveLength(12);
    expect(rows.every((r) => r.status === 'pending' && r.attempts === 0)).toBe(true);
  });

  it('suppresses only an address refused with 550 5.1.1 at RCPT TO, and retries 552 5.2.2 (mailbox full)', async () => {
    sink.rejectRecipient('c000003@example.test', 550, '5.1.1 <c000003@example.test>: User unknown');
    sink.rejectRecipient('c000005@example.test', 552, '5.2.2 <c000005@example.test>: Mailbox full');
    const rig = await startRig(sink, 10);
    await whenEvents(
      rig.daemon.events,
      ['batch:end'],
      async () => {
        const { counts } = await rig.books.read();
        return counts.sent === 8 && counts.sending === 0;
      },
      'eight sent and the batch recorded',
    );
    const rows = new Map((await rig.books.deliveries()).map((r) => [r.customer_id, r]));
    expect(rows.get('c000003')).toMatchObject({ status: 'failed' });
    expect(rows.get('c000005')).toMatchObject({ status: 'pending', attempts: 1 });
    const suppressed = await suppressedAmong(rig.rt.db.knex, [
      'c000003@example.test',
      'c000005@example.test',
    ]);
    expect([...suppressed]).toEqual(['c000003@example.test']);
    expect((await rig.readyz()).status).toBe(200);
    expect(named(rig, 'sending.paused')).toEqual([]);

    // The mailbox was emptied: the retry goes through.
    sink.clearFaults();
    const retried = nextEvent(rig.daemon.events, 'delivery:sent', 'the retry to be sent');
    const recorded = nextEvent(rig.daemon.events, 'batch:end', 'the retry to be recorded', {
      match: (b) => b.sent === 1,
    });
    rig.advance(3_000);
    rig.daemon.loop.wake();
    expect((await retried).key.customerId).toBe('c000005');
    await recorded;
    expect((await rig.books.read()).counts.sent).toBe(9);
  });
});
