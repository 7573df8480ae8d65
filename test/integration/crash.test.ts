/**
 * The crash harness: `rapport start` as child processes against a real SMTP sink that counts by
 * Message-ID, killed with SIGKILL at random moments while it drains, restarted until the books
 * are closed. Nothing may be lost; the only duplicates allowed are messages a killed worker had
 * claimed (sent, then killed before its commit) — at most one batch per crash.
 * The long version (20k messages, 20 kills) is test/soak/crash-soak.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { database } from '../support/databases.js';
import { spawnDaemon, killAll, runCli, type Daemon } from '../support/daemon.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import {
  crashConfig,
  daemonEnv,
  openBooks,
  seedDue,
  sleep,
  tally,
  waitFor,
  type BooksReader,
  type Dataset,
} from '../support/crash.js';

/** Log lines that mean a tick or a batch failed (a lock conflict, a deadlock, a write error). */
const TROUBLE = /delivery\.loop_error|delivery\.unrecorded|tick\.failed|database is locked|deadlock/;

const sqlite = database('sqlite');
const postgres = database('postgres');

let sink: SmtpSink;
const daemons: Daemon[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink.close();
});
afterEach(async () => {
  await killAll(daemons.splice(0));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  sink.reset();
  sink.clearFaults();
});

function start(name: string, env: Record<string, string>): Daemon {
  const d = spawnDaemon(name, env, tempDir('rapport-crash-'));
  daemons.push(d);
  return d;
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function fresh(db: typeof sqlite): Promise<{ url: string; books: BooksReader }> {
  const created = await db.create();
  const books = openBooks(created.url);
  cleanups.push(created.drop, books.close);
  return { url: created.url, books };
}

/** Stops a daemon with SIGTERM and returns its exit code. */
async function stop(d: Daemon): Promise<number | null> {
  await d.ready;
  d.signal('SIGTERM');
  const exit = await d.exited;
  return exit.code;
}

/** Messages this daemon has handed to the relay, from its /metrics. */
async function sentBy(d: Daemon): Promise<number> {
  const text = await (await fetch(`${await d.ready}/metrics`)).text();
  return Number(/^rapport_send_seconds_count (\d+)/m.exec(text)?.[1] ?? 0);
}

async function drained(books: BooksReader, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => (await books.read()).open === 0,
    timeoutMs,
    'every delivery to reach a final status',
    200,
  );
}

/** The final checks: all sent, none lost or unexpected; returns the duplicated Message-IDs' customers. */
async function finalChecks(
  books: BooksReader,
  data: Dataset,
): Promise<{ duplicates: number; duplicated: string[] }> {
  const rows = await books.deliveries();
  expect(rows).toHaveLength(data.expected.size);
  expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  const received = sink.countByMessageId();
  const t = tally(received, data.expected);
  expect(t.lost).toEqual([]);
  expect(t.unexpected).toBe(0);
  // The books name the same Message-ID the relay received.
  for (const r of rows) expect(received.has(r.message_id ?? '')).toBe(true);
  const duplicated = [...received].filter(([, n]) => n > 1).map(([id]) => data.expected.get(id) ?? id);
  return { duplicates: t.duplicates, duplicated };
}

describe('crash harness on SQLite', () => {
  it(
    'stops gracefully mid-drain, survives repeated kill -9, and loses nothing',
    { timeout: 90_000 },
    async (ctx) => {
      const N = 2000;
      const BATCH = 50;
      const KILLS = 5;
      const { url, books } = await fresh(sqlite);
      const data = await seedDue(url, N, Date.now() - 60_000);
      const env = daemonEnv(url, sink.url, crashConfig({ rate: 1000, batch: BATCH }));

      // SIGTERM mid-drain: in-flight mail finishes, the rest is released untried, exit 0.
      const graceful = start('graceful', env);
      await waitFor(() => sink.messages.length >= 150, 20_000, 'the first messages');
      expect(await stop(graceful)).toBe(0);
      const afterStop = await books.read();
      expect(afterStop.counts.sending).toBe(0);
      expect(afterStop.counts.sent).toBe(sink.countByMessageId().size);
      expect(afterStop.counts.sent).toBe(sink.messages.length);
      const released = (await books.deliveries()).filter((r) => r.status === 'pending');
      expect(released.length).toBeGreaterThan(0);
      expect(released.every((r) => r.attempts === 0)).toBe(true);

      // kill -9 at random moments while it sends, restart, again.
      const inFlight = new Set<string>();
      let kills = 0;
      for (let round = 0; kills < KILLS && round < KILLS * 2; round++) {
        const d = start(`victim-${round}`, env);
        const from = sink.messages.length;
        const target = from + 1 + Math.floor(Math.random() * 250);
        const giveUp = Date.now() + 8_000;
        await waitFor(() => sink.messages.length >= target || Date.now() > giveUp, 20_000, 'sending');
        await sleep(Math.random() * 30);
        d.signal('SIGKILL');
        await d.exited;
        if (sink.messages.length === from) continue; // killed before it sent anything: not a crash mid-drain
        kills++;
        for (const c of await books.claimedBy(d.pid)) inFlight.add(c);
      }
      const beforeFinal = await books.read();
      expect(beforeFinal.open).toBeGreaterThan(0); // the kills landed mid-drain

      const last = start('final', env);
      await drained(books, 40_000);
      expect(await stop(last)).toBe(0);
      expect(last.stderr()).not.toMatch(TROUBLE);

      const { duplicates, duplicated } = await finalChecks(books, data);
      expect(kills).toBe(KILLS);
      expect(duplicates).toBeLessThanOrEqual(kills * BATCH);
      // Every duplicate was in a killed worker's claimed batch.
      expect(duplicated.filter((c) => !inFlight.has(c))).toEqual([]);
      ctx.annotate(
        `sqlite: ${N} messages, ${kills} kills, ${duplicates} duplicates (bound ${kills * BATCH}), ${inFlight.size} in flight at kills`,
      );
    },
  );

  it(
    'two daemons on one file send each message exactly once, beside imports',
    { timeout: 60_000 },
    async (ctx) => {
      const N = 3000;
      const { url, books } = await fresh(sqlite);
      // Due a few seconds from now, so both are up and claiming when it becomes due.
      const data = await seedDue(url, N, Date.now() + 3_000);
      // Small batches: many short write transactions from each daemon.
      const env = daemonEnv(url, sink.url, crashConfig({ rate: 1000, batch: 20 }));
      const a = start('a', env);
      const b = start('b', env);
      await Promise.all([a.ready, b.ready]);
      // Imports write while both daemons claim and record: each import transaction reads, then
      // writes, and must wait for the lock rather than fail with "database is locked".
      const dir = tempDir('rapport-import-');
      const csv = join(dir, 'customers.csv');
      const lines = [...data.expected.values()].map((c) => `${c},${c}@example.test,Renamed ${c}`);
      writeFileSync(csv, `id,email,first_name\n${lines.join('\n')}\n`);
      await waitFor(() => sink.messages.length > 0, 20_000, 'the first messages');
      const imports = await Promise.all([0, 1, 2].map(() => runCli(['import', 'customers', csv], env, dir)));
      expect(imports.map((run) => run.stderr)).toEqual(['', '', '']);
      expect(imports.map((run) => run.code)).toEqual([0, 0, 0]);
      await drained(books, 40_000);
      const sent = [await sentBy(a), await sentBy(b)];
      expect([await stop(a), await stop(b)]).toEqual([0, 0]);
      expect(sent.every((n) => n > 0)).toBe(true);
      const { duplicates } = await finalChecks(books, data);
      expect(duplicates).toBe(0);
      for (const d of [a, b]) expect(d.stderr()).not.toMatch(TROUBLE);
      ctx.annotate(`two sqlite daemons: ${sent.join(' + ')} sent, 0 duplicates`);
    },
  );

  it(
    'retries 451 and dropped connections, slows down on 421, fails and suppresses only 5.1.1',
    { timeout: 60_000 },
    async () => {
      const N = 600;
      const { url, books } = await fresh(sqlite);
      const data = await seedDue(url, N, Date.now() - 60_000);
      const rejected = [...data.expected.values()].filter((_, i) => i % 60 === 7);
      for (const c of rejected) sink.rejectRecipient(`${c}@example.test`, 550, '5.1.1 No such user here');
      sink.failData(451, 100, '4.3.0 Try again later');

      const d = start('faults', daemonEnv(url, sink.url, crashConfig({ rate: 1000, batch: 50 })));
      await waitFor(() => sink.stats.failedData >= 100, 20_000, '100 answers of 451');
      expect((await books.read()).counts.failed).toBeLessThanOrEqual(rejected.length);
      sink.dropNext(3);
      await waitFor(() => sink.stats.dropped >= 3, 20_000, '3 dropped connections');
      sink.failData(421, 3, '4.7.0 Too many messages, slow down');
      await waitFor(() => sink.stats.failedData >= 103, 20_000, '3 answers of 421');
      await drained(books, 40_000);
      expect(await stop(d)).toBe(0);

      const rows = await books.deliveries();
      const failed = rows.filter((r) => r.status === 'failed').map((r) => r.customer_id);
      expect(failed.sort()).toEqual(rejected.sort());
      expect((await books.read()).suppressions).toBe(rejected.length);
      const received = sink.countByMessageId();
      const t = tally(received, data.expected);
      expect(t.lost.map((id) => data.expected.get(id)).sort()).toEqual(rejected.sort());
      expect(t.duplicates).toBe(0);
      expect(rows.filter((r) => r.status !== 'sent' && r.status !== 'failed')).toEqual([]);
      // Retried, not failed: messages answered 451/421 or cut off went out on a later attempt.
      expect(rows.filter((r) => r.status === 'sent' && r.attempts > 1).length).toBeGreaterThanOrEqual(100);
      expect(d.stderr()).toMatch(/"event":"delivery\.slow_down"/);
    },
  );
});

describe('crash harness on Postgres with three workers', () => {
  it(
    'drains with one worker killed mid-run: nothing lost, duplicates only from its claim',
    { timeout: 90_000 },
    async (ctx) => {
      if (!postgres.available) ctx.skip('postgres is not available in this run');
      const N = 3000;
      const BATCH = 50;
      const { url, books } = await fresh(postgres);
      const data = await seedDue(url, N, Date.now() + 4_000);
      const env = daemonEnv(url, sink.url, crashConfig({ rate: 400, batch: BATCH }));
      const workers = ['w1', 'w2', 'w3'].map((name) => start(name, env));
      await Promise.all(workers.map((w) => w.ready));
      const [victim, ...survivors] = workers as [Daemon, Daemon, Daemon];

      await waitFor(() => sink.messages.length >= N / 4, 30_000, 'a quarter of the mail');
      await waitFor(async () => (await sentBy(victim)) > 0, 10_000, 'the victim to send');
      victim.signal('SIGKILL');
      await victim.exited;
      const inFlight = await books.claimedBy(victim.pid);

      await drained(books, 40_000);
      const sent = await Promise.all(survivors.map(sentBy));
      expect(sent.every((n) => n > 0)).toBe(true);
      expect(await Promise.all(survivors.map(stop))).toEqual([0, 0]);
      // Three startup ticks planned the same rows at once: no deadlock, no failed tick.
      for (const w of workers) expect(w.stderr()).not.toMatch(TROUBLE);

      const { duplicates, duplicated } = await finalChecks(books, data);
      expect(duplicates).toBeLessThanOrEqual(BATCH);
      expect(duplicated.filter((c) => !inFlight.has(c))).toEqual([]);
      ctx.annotate(
        `postgres: ${N} messages, 3 workers, 1 killed holding ${inFlight.size}, ${duplicates} duplicates`,
      );
    },
  );
});
