/**
 * The delivery loop when the database or the clock work against it, in-process: a database
 * that stops taking writes (disk full), a lease running out mid-batch, a graceful stop
 * mid-batch, and two planners ticking at once on one Postgres database.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { database } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { openTestRuntime } from '../support/runtime.js';
import { crashOverrides, openBooks, seedDue, sleep, tally, type BooksReader } from '../support/crash.js';
import { createApp, type App } from '../../src/app.js';
import { DeliveryLoop } from '../../src/deliver/loop.js';
import type { Deliverer } from '../../src/deliver/deliver.js';
import type { Mailer, OutgoingMessage } from '../../src/deliver/mailer.js';
import { runTick } from '../../src/schedule/tick.js';
import { Histogram, readiness } from '../../src/http/health.js';
import type { DbRuntime } from '../../src/runtime.js';
import { batchesSent, loopRetries, nextEvent, whenEvents } from '../support/events.js';
import type { AppEventMap } from '../../src/events.js';

const sqlite = database('sqlite');
const postgres = database('postgres');
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh database with n receipts due now, planned; the runtime uses the given SMTP URL. */
async function setUp(
  db: typeof sqlite,
  n: number,
  smtpUrl: string,
  batch = 20,
): Promise<{ rt: DbRuntime; books: BooksReader; url: string; expected: Map<string, string> }> {
  const created = await db.create();
  cleanups.push(created.drop);
  const rt = await openTestRuntime({
    databaseUrl: created.url,
    smtpUrl,
    now: Date.now,
    config: crashOverrides({ rate: 1000, batch }),
  });
  cleanups.push(rt.close);
  const { expected } = await seedDue(created.url, n, Date.now() - 60_000);
  await runTick(rt.db, rt.config, Date.now());
  const books = openBooks(created.url);
  cleanups.push(books.close);
  return { rt, books, url: created.url, expected };
}

/** Makes the database refuse writes that set a delivery to `status`, as a full disk would. */
async function refuseWrites(rt: DbRuntime, status: string): Promise<() => Promise<void>> {
  await rt.db.knex.raw(
    `CREATE TRIGGER disk_full BEFORE UPDATE OF status ON deliveries WHEN NEW.status = '${status}'
     BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
  );
  return async () => {
    await rt.db.knex.raw('DROP TRIGGER disk_full');
  };
}

function health(loop: DeliveryLoop, core: App) {
  return {
    startedAt: Date.now(),
    lastTickAt: () => Date.now(),
    tickStaleAfterMs: () => 60_000,
    sendingPaused: () => core.deliverer.breaker.reason,
    deliveryError: () => loop.lastError,
    sendLatency: new Histogram([1]),
  };
}

describe('delivery when the database stops taking writes (SQLite)', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  afterEach(() => sink.reset());

  /** The loop started, and its first report of a failed write (subscribed before it starts). */
  async function startLoop(
    rt: DbRuntime,
  ): Promise<{ core: App; loop: DeliveryLoop; writeFailed: Promise<AppEventMap['loop:error']> }> {
    const core = await createApp(rt, { workerId: 'test-worker' });
    const loop = new DeliveryLoop(core.deliverer, {
      pollMs: 20,
      errorBackoffMs: 100,
      events: core.events,
    });
    core.disposers.add(() => loop.stop());
    cleanups.push(() => core.close());
    const writeFailed = nextEvent(core.events, 'loop:error', 'the loop to report the write failure', {
      match: ({ error }) => /disk is full/.test(error),
    });
    loop.start();
    return { core, loop, writeFailed };
  }

  it('cannot record what it sent: surfaces the error, claims nothing more, records it once writes work', async () => {
    const { rt, books, expected } = await setUp(sqlite, 100, sink.url);
    const allow = await refuseWrites(rt, 'sent');
    const { core, loop, writeFailed } = await startLoop(rt);

    expect(await writeFailed).toEqual({ error: loop.lastError, retryInMs: 100 });
    // Sending stopped at the first refused write: what was in flight went out, the rest of
    // the one claimed batch was released (in memory: the books do not take that either).
    const sent = sink.messages.length;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(20);
    await loopRetries(core.events, 3);
    expect(sink.messages).toHaveLength(sent); // no new claim, no new send
    expect((await books.read()).counts).toMatchObject({ sent: 0, sending: 20, pending: 80 });
    expect(core.deliverer.unrecordedCount).toBe(20);
    const ready = await readiness({ db: rt.db, worker: health(loop, core), now: () => Date.now() });
    expect(ready.ready).toBe(false);
    // The driver's words, not the SQL of the batch.
    expect(ready.checks.delivery).toBe('paused: database or disk is full (SQLITE_CONSTRAINT_TRIGGER)');

    await allow();
    await whenEvents(
      core.events,
      ['batch:end'],
      async () => (await books.read()).open === 0,
      'the backlog to drain',
      20_000,
    );
    await loop.stop();
    expect(loop.lastError).toBeNull();
    expect((await books.read()).counts.sent).toBe(100);
    const t = tally(sink.countByMessageId(), expected);
    expect(t).toEqual({ lost: [], duplicates: 0, unexpected: 0 });
  });

  it('cannot claim: sends nothing, marks nothing, and resumes when writes work again', async () => {
    const { rt, books } = await setUp(sqlite, 50, sink.url);
    const allow = await refuseWrites(rt, 'sending');
    const { core, loop, writeFailed } = await startLoop(rt);
    expect((await writeFailed).error).toBe(loop.lastError);
    await loopRetries(core.events, 2);
    expect(sink.messages).toHaveLength(0);
    expect((await books.read()).counts).toMatchObject({ pending: 50, sending: 0, sent: 0 });
    const drained = batchesSent(core.events, 50, 'the backlog to be sent');
    await allow();
    await drained;
    expect((await books.read()).counts).toMatchObject({ pending: 0, sending: 0, sent: 50 });
    expect(sink.countByMessageId().size).toBe(50);
  });
});

describe('a batch that cannot finish in time (SQLite, a stub mailer on a fake clock)', () => {
  /** A Deliverer whose mailer `send` is the given function; its clock only moves when told. */
  async function deliverer(
    rt: DbRuntime,
    clock: { t: number },
    send: (m: OutgoingMessage) => Promise<void>,
  ): Promise<Deliverer> {
    const mailer: Mailer = {
      describe: 'stub',
      parallelism: 1,
      send: async (m) => {
        await send(m);
        return { response: '250 ok' };
      },
      close: async () => {},
    };
    const app = await createApp(rt, {
      workerId: 'stub-worker',
      now: () => clock.t,
      sleep: async (ms) => {
        clock.t += ms;
      },
      random: () => 0.5,
      mailer,
      templates: 'folder',
    });
    cleanups.push(() => app.close());
    return app.deliverer;
  }

  it('sends only while the lease still covers smtp.timeout; the rest goes back to pending untried', async () => {
    const { rt, books } = await setUp(sqlite, 20, 'file:/nonexistent');
    const clock = { t: Date.now() };
    const lease = rt.config.worker.lease;
    // Each send takes an eighth of the lease: four start before lease - smtp.timeout (5 s - 3 s).
    const d = await deliverer(rt, clock, async () => {
      clock.t += lease / 8;
    });
    const report = await d.runBatch();
    expect(report).toMatchObject({ claimed: 20, sent: 4, released: 16 });
    const rows = await books.deliveries();
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(4);
    const pending = rows.filter((r) => r.status === 'pending');
    expect(pending).toHaveLength(16);
    expect(pending.every((r) => r.attempts === 0)).toBe(true);
  });

  it('stops gracefully mid-batch: the message in flight finishes, the rest is released', async () => {
    const { rt, books } = await setUp(sqlite, 20, 'file:/nonexistent');
    const clock = { t: Date.now() };
    let sends = 0;
    let d: Deliverer | undefined = undefined;
    d = await deliverer(rt, clock, async () => {
      sends++;
      if (sends === 3) {
        d?.stop(); // SIGTERM arrives while the third message is with the relay
        await sleep(50);
      }
    });
    const report = await d.runBatch();
    expect(report).toMatchObject({ claimed: 20, sent: 3, released: 17 });
    const counts = (await books.read()).counts;
    expect(counts).toMatchObject({ sent: 3, pending: 17, sending: 0 });
    expect(
      (await books.deliveries()).filter((r) => r.status === 'pending').every((r) => r.attempts === 0),
    ).toBe(true);
    expect(await d.runBatch()).toMatchObject({ claimed: 0 });
  });

  it('gives the claimed rows back at once when the batch context cannot be read', async () => {
    const { rt, books } = await setUp(sqlite, 5, 'file:/nonexistent');
    const clock = { t: Date.now() };
    let sends = 0;
    const d = await deliverer(rt, clock, async () => {
      sends++;
    });
    // The consent tables are unreadable (a broken migration, a dropped table): nothing is sent.
    await rt.db.knex.schema.renameTable('opt_outs', 'opt_outs_away');
    await expect(d.runBatch()).rejects.toThrow(/opt_outs/);
    expect(sends).toBe(0);
    const rows = await books.deliveries();
    expect(rows.map((r) => [r.status, r.attempts])).toEqual(rows.map(() => ['pending', 0]));
  });
});

describe('group commit: what the relay accepted but the books lack stays bounded', () => {
  it.each([sqlite, postgres])(
    '$name: accepted-but-unrecorded messages stay within the pool bound',
    async (db) => {
      if (!db.available) return;
      const { rt, books } = await setUp(db, 120, 'file:/nonexistent', 120);
      const LANES = 4;
      let accepted = 0;
      let worst = 0;
      const mailer: Mailer = {
        describe: 'stub',
        parallelism: LANES,
        send: async () => {
          // What a kill -9 right now would send again: accepted by the relay, not yet in the books.
          worst = Math.max(worst, accepted - (await books.read()).counts.sent);
          await sleep(Math.random() * 3);
          accepted++;
          return { response: '250 ok' };
        },
        close: async () => {},
      };
      const app = await createApp(rt, {
        workerId: 'stub-worker',
        sleep,
        random: () => 0.5,
        mailer,
        templates: 'folder',
      });
      cleanups.push(() => app.close());
      expect(await app.deliverer.runBatch()).toMatchObject({ claimed: 120, sent: 120 });
      expect(accepted).toBe(120);
      // A send starts while fewer than LANES / 2 await their commit; the other lanes may each add one.
      expect(worst).toBeLessThanOrEqual(LANES / 2 - 1 + LANES);
    },
  );
});

describe('two planners at once on one Postgres database', () => {
  it('plan every occurrence once', { timeout: 60_000 }, async (ctx) => {
    if (!postgres.available) ctx.skip('postgres is not available in this run');
    const N = 3000;
    const { rt: a, books, url } = await setUp(postgres, 0, 'file:/nonexistent');
    const b = await openTestRuntime({
      databaseUrl: url,
      smtpUrl: 'file:/nonexistent',
      now: Date.now,
      config: crashOverrides({ rate: 1, batch: 1 }),
    });
    cleanups.push(b.close);
    for (let round = 0; round < 3; round++) {
      await seedDue(url, N / 3, Date.now() - 60_000 + round, (round * N) / 3);
      const now = Date.now();
      const [ra, rb] = await Promise.all([runTick(a.db, a.config, now), runTick(b.db, b.config, now)]);
      // Both planned the new receipts; each row went in once, from one of them.
      expect(ra.inserted + rb.inserted).toBe(N / 3);
    }
    const rows = await books.deliveries();
    expect(rows).toHaveLength(N);
    expect(new Set(rows.map((r) => r.customer_id)).size).toBe(N);
  });
});
