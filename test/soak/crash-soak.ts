/**
 * The long crash soak (the short one runs in the suite: test/integration/crash.test.ts).
 *
 *   npx tsx test/soak/crash-soak.ts [--messages 20000] [--kills 20] [--outage 30]
 *                                   [--postgres auto|off|URL] [--workers 3] [--pg-kills 5]
 *
 * SQLite: one daemon drains `messages` receipts while it is killed with SIGKILL `kills` times
 * at random moments and restarted; half-way, the SMTP sink goes away for `outage` seconds.
 * Postgres: `workers` daemons drain the same again while one of them, chosen at random, is
 * killed and replaced `pg-kills` times. Then: every delivery sent, none lost, duplicates only
 * among what a killed worker had claimed and at most the pool size per kill on average (group
 * commit: each connection has at most one accepted message not yet in the books), nothing failed during
 * the outage, the daemon's memory flat through it. Exit 0 when all hold, 1 otherwise.
 * `--postgres auto` uses RAPPORT_TEST_POSTGRES_URL, else a throwaway cluster (as the suite does).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { spawnDaemon, killAll, type Daemon } from '../support/daemon.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { startPostgres } from '../support/postgres.js';
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

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    kills: { type: 'string', default: '20' },
    outage: { type: 'string', default: '30' },
    postgres: { type: 'string', default: 'auto' },
    workers: { type: 'string', default: '3' },
    'pg-kills': { type: 'string', default: '5' },
  },
});
const N = Number(args.messages);
const KILLS = Number(args.kills);
const OUTAGE_S = Number(args.outage);
const WORKERS = Number(args.workers);
const PG_KILLS = Number(args['pg-kills']);
const BATCH = 100;
const RATE = 2000;
/** smtp.pool_size: outcomes are committed per connection before it sends again (group commit). */
const POOL = 5;

/** Counts what the sink received by Message-ID, folding and clearing its buffer as it goes (memory stays flat). */
class Received {
  readonly counts = new Map<string, number>();
  total = 0;
  sink!: SmtpSink;
  private readonly timer = setInterval(() => this.fold(), 100);

  async start(port = 0): Promise<void> {
    this.sink = await startSmtpSink({ port });
  }
  fold(): void {
    if (!this.sink) return;
    for (const m of this.sink.messages) {
      if (m.messageId !== null) this.counts.set(m.messageId, (this.counts.get(m.messageId) ?? 0) + 1);
      this.total++;
    }
    this.sink.reset();
  }
  count(): number {
    this.fold();
    return this.total;
  }
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.fold();
    await this.sink.close();
  }
}

const daemons: Daemon[] = [];
const dirs: string[] = [];
const problems: string[] = [];
const log = (text: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${text}`);
const check = (ok: boolean, what: string) => {
  if (!ok) problems.push(what);
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
};

function start(name: string, env: Record<string, string>): Daemon {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-soak-'));
  dirs.push(dir);
  const d = spawnDaemon(name, env, dir);
  daemons.push(d);
  return d;
}

function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** SIGTERM once each is up (before that it has no handler yet); all must exit 0. */
async function stopAll(label: string, ds: readonly Daemon[]): Promise<void> {
  await Promise.all(ds.map((d) => d.ready));
  for (const d of ds) d.signal('SIGTERM');
  const exits = await Promise.all(ds.map((d) => d.exited));
  const bad = exits.flatMap((e, i) => (e.code === 0 ? [] : [`${ds[i]?.name}: ${e.code ?? e.signal}`]));
  check(bad.length === 0, `${label}: graceful stops exit 0 ${bad.join(', ')}`);
  for (const [i, e] of exits.entries()) if (e.code !== 0) console.error(ds[i]?.stderr().slice(-3000));
}

async function finalChecks(
  label: string,
  books: BooksReader,
  received: Received,
  data: Dataset,
  kills: number,
  inFlight: Set<string>,
): Promise<void> {
  const rows = await books.deliveries();
  const notSent = rows.filter((r) => r.status !== 'sent');
  const t = tally(received.counts, data.expected);
  const duplicated = [...received.counts].filter(([, n]) => n > 1).map(([id]) => data.expected.get(id) ?? id);
  const outside = duplicated.filter((c) => !inFlight.has(c));
  log(
    `${label}: ${rows.length} deliveries, ${received.total} received, ${t.duplicates} duplicates, ${kills} kills, ${inFlight.size} claimed by killed workers`,
  );
  check(
    rows.length === data.expected.size,
    `${label}: one delivery per expected message (${rows.length}/${data.expected.size})`,
  );
  check(
    notSent.length === 0,
    `${label}: every delivery sent (${notSent.length} not: ${JSON.stringify(notSent.slice(0, 3))})`,
  );
  check(t.lost.length === 0, `${label}: nothing lost (${t.lost.length} lost)`);
  check(t.unexpected === 0, `${label}: nothing unexpected (${t.unexpected})`);
  // Each lane waits for its accepted message to be committed before it sends the next: a kill
  // can send again about one message per pooled connection, so on average at most the pool size.
  check(
    t.duplicates <= kills * POOL,
    `${label}: duplicates ${t.duplicates} <= ${kills} kills x pool size ${POOL} (${(t.duplicates / Math.max(1, kills)).toFixed(1)} per kill)`,
  );
  check(
    outside.length === 0,
    `${label}: every duplicate was claimed by a killed worker (${outside.length} were not)`,
  );
}

/** Takes the relay away for a while with the daemon running: nothing may fail, memory must stay flat. */
async function outage(received: Received, d: Daemon, books: BooksReader, seconds: number): Promise<void> {
  const port = received.sink.port;
  received.fold();
  await received.sink.close();
  log(`SMTP down for ${seconds} s`);
  const failedBefore = (await books.read()).counts.failed;
  const rss: number[] = [];
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    rss.push(rssKb(d.pid));
  }
  const failedAfter = (await books.read()).counts.failed;
  await received.start(port);
  log(
    `SMTP back; daemon RSS during the outage ${Math.round(Math.min(...rss) / 1024)}–${Math.round(Math.max(...rss) / 1024)} MB`,
  );
  check(failedAfter === failedBefore, `outage: nothing marked failed (${failedAfter - failedBefore})`);
  const late = rss.slice(Math.floor(rss.length / 2));
  const early = rss.slice(0, Math.max(1, Math.floor(rss.length / 2)));
  check(
    Math.max(...late) <= Math.max(...early) * 1.25 + 10_240,
    'outage: daemon memory flat (second half within 25% of the first)',
  );
  check(d.running(), 'outage: the daemon kept running');
}

async function sqliteSoak(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-soak-db-'));
  const url = `sqlite:${join(dir, 'soak.db')}`;
  const received = new Received();
  await received.start();
  const books = openBooks(url);
  try {
    log(`sqlite: seeding ${N} receipts`);
    const data = await seedDue(url, N, Date.now() - 60_000);
    const env = () =>
      daemonEnv(url, received.sink.url, crashConfig({ rate: RATE, batch: BATCH, poolSize: POOL }));
    const inFlight = new Set<string>();
    let kills = 0;
    let outageDone = OUTAGE_S <= 0;
    for (let round = 0; kills < KILLS && round < KILLS * 3; round++) {
      const d = start(`sqlite-${round}`, env());
      await d.ready;
      const from = received.count();
      // Up to 15 s: right after a kill, what is left may all be claimed by the dead worker until its lease runs out.
      await waitFor(() => received.count() > from || !d.running(), 15_000, 'sending after restart').catch(
        () => {},
      );
      if (!outageDone && kills >= KILLS / 2) {
        await outage(received, d, books, OUTAGE_S);
        outageDone = true;
        const back = received.count();
        await waitFor(() => received.count() > back, 120_000, 'sending after the outage');
      }
      await sleep(100 + Math.random() * 1500);
      d.signal('SIGKILL');
      await d.exited;
      if (received.count() === from) continue;
      kills++;
      for (const c of await books.claimedBy(d.pid)) inFlight.add(c);
      const b = await books.read();
      log(
        `kill ${kills}/${KILLS}: ${received.total} received, ${b.counts.sent} sent in the books, ${b.open} open`,
      );
      if (b.open === 0) break;
    }
    const last = start('sqlite-final', env());
    await waitFor(async () => (await books.read()).open === 0, 300_000, 'the sqlite backlog to drain', 500);
    await stopAll('sqlite', [last]);
    await finalChecks('sqlite', books, received, data, kills, inFlight);
  } finally {
    await books.close();
    await received.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresSoak(adminUrl: string): Promise<void> {
  const name = `soak_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${name}`;
  const url = dbUrl.toString();
  const received = new Received();
  await received.start();
  const books = openBooks(url);
  try {
    log(`postgres: seeding ${N} receipts for ${WORKERS} workers`);
    const data = await seedDue(url, N, Date.now() + 5_000);
    const env = daemonEnv(
      url,
      received.sink.url,
      crashConfig({ rate: RATE / WORKERS, batch: BATCH, poolSize: POOL }),
    );
    const workers = Array.from({ length: WORKERS }, (_, i) => start(`pg-${i}`, env));
    await Promise.all(workers.map((w) => w.ready));
    const inFlight = new Set<string>();
    let kills = 0;
    for (let round = 0; kills < PG_KILLS; round++) {
      await sleep(1000 + Math.random() * 2000);
      if ((await books.read()).open === 0) break;
      const i = Math.floor(Math.random() * workers.length);
      const victim = workers[i] as Daemon;
      victim.signal('SIGKILL');
      await victim.exited;
      kills++;
      for (const c of await books.claimedBy(victim.pid)) inFlight.add(c);
      workers[i] = start(`pg-${WORKERS + round}`, env);
      log(`postgres kill ${kills}/${PG_KILLS}: ${received.count()} received`);
    }
    await waitFor(async () => (await books.read()).open === 0, 300_000, 'the postgres backlog to drain', 500);
    await stopAll('postgres', workers);
    await finalChecks('postgres', books, received, data, kills, inFlight);
  } finally {
    await books.close();
    await received.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  try {
    await sqliteSoak();
    if (args.postgres !== 'off') {
      const given = args.postgres === 'auto' ? process.env.RAPPORT_TEST_POSTGRES_URL : args.postgres;
      const cluster = given ? null : await startPostgres();
      const adminUrl = given ?? cluster?.url;
      if (!adminUrl) log('postgres: not available, skipped');
      else {
        try {
          await postgresSoak(adminUrl);
        } finally {
          await cluster?.stop();
        }
      }
    }
  } catch (error) {
    problems.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
  } finally {
    await killAll(daemons);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
  log(
    `done in ${Math.round((Date.now() - started) / 1000)} s: ${problems.length === 0 ? 'all checks passed' : `${problems.length} problem(s)`}`,
  );
  for (const p of problems) console.error(p);
  process.exit(problems.length === 0 ? 0 : 1);
}

void main();
