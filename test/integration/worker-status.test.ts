/**
 * Every worker's health read from the database, on both databases: a worker whose relay refuses
 * its sender pauses sending, and a console on another runtime (its own connection pool, as a
 * second process would have) shows that worker's breaker open; a clean stop shows it stopped; a
 * worker silent for three heartbeats shows as not heard from; rows of workers gone for a day go.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_PAGES } from '../../src/console/pages.js';
import { listWorkerStatus, upsertWorkerStatus, type WorkerStatusRow } from '../../src/db/worker-status.js';
import { Heartbeat } from '../../src/health/heartbeat.js';
import { startDaemon, type Daemon } from '../../src/main.js';
import { silentLogger } from '../../src/log.js';
import { migrate } from '../../src/db/migrations.js';
import { openDatabase } from '../../src/db/connect.js';
import { crashOverrides, seedDue, waitFor } from '../support/crash.js';
import { databases } from '../support/databases.js';
import { openTestRuntime } from '../support/runtime.js';
import { seedUser, session, startTestConsole, type TestConsole } from '../support/console.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const text = (body: string) =>
  body
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

function row(id: string, over: Partial<WorkerStatusRow>): WorkerStatusRow {
  return {
    worker_id: id,
    host: 'shop-server',
    pid: 4242,
    version: '1.0.0',
    started_at: Date.parse('2027-03-10T08:00:00Z'),
    heartbeat_at: Date.parse('2027-03-10T14:59:50Z'),
    heartbeat_ms: 15_000,
    stopped_at: null,
    relay: 'ok',
    relay_error: null,
    breaker: 'closed',
    breaker_opened_at: null,
    breaker_reopens_at: null,
    breaker_reason: null,
    last_tick_at: Date.parse('2027-03-10T14:59:00Z'),
    sent_last_minute: 12,
    ...over,
  };
}

describe.each(databases())('worker health on the dashboard, %s', (db) => {
  const url = db.fresh('test');
  let sink: SmtpSink;
  let c: TestConsole | null = null;
  let daemon: Daemon | null = null;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  afterEach(async () => {
    await daemon?.stop();
    await c?.close();
    daemon = null;
    c = null;
    sink.reset();
    sink.clearFaults();
  });

  /** The dashboard's text as a viewer of a console on its own runtime sees it. */
  async function dashboardText(console: TestConsole): Promise<string> {
    const viewer = await session(console, 'vi@corner.example');
    const res = await viewer.get('/console/');
    expect(res.statusCode).toBe(200);
    return text(res.body);
  }

  it("shows a worker's breaker opening on another console, then the worker stopped", async () => {
    sink.failMailFrom(553, Infinity, '5.1.8 <crash@rapport.test>: Sender address rejected');
    await seedDue(url(), 5, Date.now() - MINUTE);
    const rt = await openTestRuntime({
      databaseUrl: url(),
      smtpUrl: sink.url,
      now: Date.now,
      config: { ...crashOverrides({ rate: 1000, batch: 20 }), http: { listen: '127.0.0.1:0' } },
    });
    daemon = await startDaemon(rt);
    const other = await startTestConsole(url(), { pages: [...CONSOLE_PAGES] });
    c = other;
    other.clock.now = Date.now();
    await seedUser(other, 'vi@corner.example', 'viewer');

    let seen = '';
    await waitFor(
      async () => {
        other.clock.now = Date.now();
        seen = await dashboardText(other);
        return seen.includes('open (sending paused)');
      },
      15_000,
      'the dashboard to show the breaker open',
      100,
    );
    expect(seen).toMatch(
      /Sending is paused on every running worker: the relay refused our sender at MAIL FROM: 553 5\.1\.8/,
    );
    expect(seen).toMatch(/:[0-9a-f]{6} : running Last heard from/);
    expect(seen).toMatch(/Mail relay failing : 553 5\.1\.8/);
    expect(seen).toContain(`pid ${process.pid}`);
    // Never a worker's raw SQL or stack: only words about the relay.
    expect(seen).not.toMatch(/insert into|select \*/i);

    await daemon.stop();
    daemon = null;
    other.clock.now = Date.now();
    const after = await dashboardText(other);
    expect(after).toMatch(/:[0-9a-f]{6} : stopped Last heard from stopped \w{3} \d+ \w{3} \d{4}, \d\d:\d\d/);
    expect(after).toContain('No worker is running: nothing is planned or sent.');
    const [stored] = await listWorkerStatus(other.db.knex);
    expect(stored?.stopped_at).not.toBeNull();
  });

  it('shows a worker silent for three heartbeats as not heard from, and a healthy one as running', async () => {
    c = await startTestConsole(url(), { pages: [...CONSOLE_PAGES] });
    const now = c.clock.now;
    await seedUser(c, 'vi@corner.example', 'viewer');
    expect(await dashboardText(c)).toContain('No worker has reported yet');

    await upsertWorkerStatus(c.db.knex, row('shop-server:4242:aaaaaa', { heartbeat_at: now - 30_000 }));
    expect(await dashboardText(c)).toContain('All is well: 1 worker running, the relay accepting mail.');

    // 46 s is more than three 15 s heartbeats.
    await upsertWorkerStatus(
      c.db.knex,
      row('shop-server:4243:bbbbbb', { pid: 4243, heartbeat_at: now - 46_000 }),
    );
    const seen = await dashboardText(c);
    expect(seen).toContain(
      'shop-server:4243:bbbbbb : not heard from Last heard from not heard from since Wed 10 Mar 2027, 09:59 EST',
    );
    expect(seen).toContain('1 worker has not been heard from since Wed 10 Mar 2027, 09:59 EST');
    expect(seen).toMatch(
      /shop-server:4242:aaaaaa : running Last heard from Wed 10 Mar 2027, 09:59 EST \(every 15 s\)/,
    );
  });

  it('shows a breaker whose pause has run out as half-open, and a failing relay in words', async () => {
    c = await startTestConsole(url(), { pages: [...CONSOLE_PAGES] });
    const now = c.clock.now;
    await seedUser(c, 'vi@corner.example', 'viewer');
    await upsertWorkerStatus(
      c.db.knex,
      row('a:1:aaaaaa', {
        heartbeat_at: now - 5_000,
        breaker: 'open',
        breaker_opened_at: now - 60_000,
        breaker_reopens_at: now - 1_000,
        breaker_reason: 'the mail relay keeps failing: connect ECONNREFUSED 127.0.0.1:25',
        relay: 'failing',
        relay_error: 'connect ECONNREFUSED 127.0.0.1:25',
      }),
    );
    await upsertWorkerStatus(
      c.db.knex,
      row('b:2:bbbbbb', {
        heartbeat_at: now - 5_000,
        relay: 'failing',
        relay_error: '421 4.3.2 Service shutting down',
      }),
    );
    const seen = await dashboardText(c);
    expect(seen).toMatch(/half-open since .*: one message is trying the relay/);
    expect(seen).toContain(
      'Sending is paused on 1 of 2 workers: the mail relay keeps failing: connect ECONNREFUSED 127.0.0.1:25.',
    );
    expect(seen).toContain('The mail relay is failing on 1 worker: 421 4.3.2 Service shutting down.');
  });

  it('a heartbeat writes the row, marks it stopped, and prunes workers gone for a day', async () => {
    const conn = openDatabase(url());
    try {
      await migrate(conn.knex);
      const now = Date.parse('2027-03-10T15:00:00Z');
      await upsertWorkerStatus(conn.knex, row('gone:1:cccccc', { heartbeat_at: now - DAY - 1 }));
      await upsertWorkerStatus(conn.knex, row('recent:1:dddddd', { heartbeat_at: now - DAY + MINUTE }));
      const heartbeat = new Heartbeat({
        knex: conn.knex,
        who: { workerId: 'me:7:eeeeee', host: 'me', pid: 7, version: '9.9.9', startedAt: now - MINUTE },
        state: {
          breaker: { reason: null, openedAt: null, reopensAt: null },
          relayError: () => null,
          lastTickAt: () => now - 30_000,
          sentLastMinute: () => 3,
        },
        intervalMs: 15_000,
        now: () => now,
        log: silentLogger,
      });
      await heartbeat.start();
      const rows = await listWorkerStatus(conn.knex);
      expect(rows.map((r) => r.worker_id).sort()).toEqual(['me:7:eeeeee', 'recent:1:dddddd']);
      expect(rows.find((r) => r.worker_id === 'me:7:eeeeee')).toMatchObject({
        heartbeat_at: now,
        heartbeat_ms: 15_000,
        relay: 'ok',
        breaker: 'closed',
        last_tick_at: now - 30_000,
        sent_last_minute: 3,
        stopped_at: null,
        version: '9.9.9',
      });
      await heartbeat.stop();
      await heartbeat.stop();
      const mine = (await listWorkerStatus(conn.knex)).find((r) => r.worker_id === 'me:7:eeeeee');
      expect(mine?.stopped_at).toBe(now);
    } finally {
      await conn.close();
    }
  });
});
