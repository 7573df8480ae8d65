/**
 * A throwaway Postgres cluster, for the benchmarks and the test suite (test/support/postgres.ts):
 * initdb into a temp dir (in /dev/shm when it has room), start on a free loopback port as our own
 * child, and remove everything on stop. Durability is off: what runs on it measures or tests
 * Rapport, not the disk.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants, createWriteStream, existsSync, readdirSync, rmSync } from 'node:fs';
import { access, chown, mkdir, mkdtemp, rm, statfs } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

export interface RunningPostgres {
  /** Superuser URL of the `postgres` database, e.g. postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  /** Stops the server and deletes its data directory. Safe to call twice. */
  stop(): Promise<void>;
}

interface PgBinaries {
  initdb: string;
  postgres: string;
  pgCtl: string;
}

/** The OS user to run as: Postgres refuses to run as root. */
interface RunAs {
  uid: number;
  gid: number;
}

export interface ThrowawayOptions {
  /** Prefix of the data directory's name. */
  prefix: string;
  /** Server settings on top of the durability ones, e.g. `max_connections=200`. */
  settings?: string[];
  /** Use /dev/shm only when it has this much room. */
  minShmBytes?: number;
}

/** Why no server could be started here; anything else throws. */
export interface PostgresUnavailable {
  unavailable: 'no-binaries' | 'no-postgres-user';
  reason: string;
}

const START_ATTEMPTS = 3;
const READY_TIMEOUT_MS = 60_000;

export async function startThrowawayPostgres(
  o: ThrowawayOptions,
): Promise<RunningPostgres | PostgresUnavailable> {
  const found = await findServer();
  if ('unavailable' in found) return found;
  const { bin, runAs } = found;
  const dir = await mkdtemp(join(await dataDirBase(o.minShmBytes ?? 1024 ** 3), o.prefix));
  try {
    await initCluster(bin, dir, runAs);
    return cluster(bin, dir, runAs, await startServer(bin, dir, runAs, o.settings ?? []));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * A cluster in `dir` that outlives the run: initdb'ed there on first use, started on later ones
 * (same settings as a throwaway one), and on stop shut down cleanly but never removed. For data
 * that takes long to seed, such as the console measure's ten million deliveries.
 */
export async function startKeptPostgres(
  dir: string,
  settings: string[],
): Promise<RunningPostgres | PostgresUnavailable> {
  const found = await findServer();
  if ('unavailable' in found) return found;
  const { bin, runAs } = found;
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await initCluster(bin, dir, runAs);
  }
  return cluster(bin, dir, runAs, await startServer(bin, dir, runAs, settings), 'keep');
}

/** The server's binaries and the user it runs as, or why it cannot run here. */
async function findServer(): Promise<{ bin: PgBinaries; runAs: RunAs | null } | PostgresUnavailable> {
  const bin = findBinaries();
  if (!bin)
    return { unavailable: 'no-binaries', reason: 'Postgres binaries (initdb, postgres, pg_ctl) not found' };
  const runAs = await postgresUserIfRoot();
  if (runAs === 'missing') {
    return {
      unavailable: 'no-postgres-user',
      reason: 'running as root: Postgres needs a "postgres" OS user to run as (useradd postgres)',
    };
  }
  return { bin, runAs };
}

/** A new cluster in `dir`, owned by the user the server runs as. */
async function initCluster(bin: PgBinaries, dir: string, runAs: RunAs | null): Promise<void> {
  if (runAs) await chown(dir, runAs.uid, runAs.gid);
  const initdb = await run(
    bin.initdb,
    ['-D', dir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'],
    { runAs, cwd: dir },
  );
  if (initdb.code !== 0) throw new Error(`initdb failed (exit ${initdb.code}):\n${tail(initdb.output)}`);
}

/** Starts the server, retrying with a new port if another process took ours in the meantime. */
async function startServer(
  bin: PgBinaries,
  dir: string,
  runAs: RunAs | null,
  settings: string[],
): Promise<Server> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = await spawnServer(bin, dir, runAs, port, settings);
    if ('child' in server) return server;
    if (attempt < START_ATTEMPTS && /could not bind|address already in use/i.test(server.log)) continue;
    throw new Error(`postgres did not start (exit ${server.code}):\n${tail(server.log)}`);
  }
}

interface Server {
  child: ChildProcess;
  port: number;
}

/**
 * Runs `postgres` as our own child rather than through `pg_ctl start`: we learn it is ready from
 * its log (no polling), and we reap it on stop, so no orphaned postmaster outlives the run.
 */
function spawnServer(
  bin: PgBinaries,
  dir: string,
  runAs: RunAs | null,
  port: number,
  extra: string[],
): Promise<Server | { code: number | null; log: string }> {
  const settings = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', ...extra];
  const args = ['-D', dir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
  for (const setting of settings) args.push('-c', setting);
  const child = spawn(bin.postgres, args, {
    ...spawnOptions(runAs, dir),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logFile = createWriteStream(join(dir, 'log'));
  child.stderr?.pipe(logFile);
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGQUIT');
      reject(new Error(`postgres not ready after ${READY_TIMEOUT_MS} ms:\n${tail(log)}`));
    }, READY_TIMEOUT_MS);
    const onLog = (chunk: Buffer): void => {
      log = (log + chunk.toString('utf8')).slice(-20_000);
      if (!log.includes('database system is ready to accept connections')) return;
      finish();
      resolve({ child, port });
    };
    const onExit = (code: number | null): void => {
      finish();
      resolve({ code, log });
    };
    const onError = (error: Error): void => {
      finish();
      reject(error);
    };
    const finish = (): void => {
      clearTimeout(timer);
      child.stderr?.off('data', onLog);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stderr?.on('data', onLog);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function cluster(
  bin: PgBinaries,
  dir: string,
  runAs: RunAs | null,
  server: Server,
  data: 'remove' | 'keep' = 'remove',
): RunningPostgres {
  const keep = data === 'keep';
  // A crashed or interrupted run must not leave a postmaster behind; `exit` handlers are synchronous.
  const onExit = (): void => {
    const mode = keep ? 'fast' : 'immediate';
    spawnSync(bin.pgCtl, ['-D', dir, '-m', mode, '-w', 'stop'], spawnOptions(runAs, dir));
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const exited = new Promise<void>((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) resolve();
    else server.child.once('exit', () => resolve());
  });
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${server.port}/postgres`,
    stop() {
      stopping ??= (async () => {
        process.off('exit', onExit);
        // SIGQUIT is what `pg_ctl -m immediate stop` sends, SIGINT `-m fast` (a kept cluster's
        // next start then needs no recovery); waiting for exit also reaps the process.
        server.child.kill(keep ? 'SIGINT' : 'SIGQUIT');
        await exited;
        if (!keep) await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/**
 * A RAM-backed filesystem when there is room: measured here, initdb takes 0.5 s instead of 1.7 s
 * and CREATE DATABASE 20-40 ms instead of 300 ms, fsync=off notwithstanding. Docker's default
 * 64 MB /dev/shm is too small for a cluster plus a few databases, hence the size check.
 */
async function dataDirBase(minShmBytes: number): Promise<string> {
  const shm = '/dev/shm';
  try {
    const stats = await statfs(shm);
    await access(shm, constants.W_OK);
    if (stats.bavail * stats.bsize >= minShmBytes) return shm;
  } catch {
    // No /dev/shm (macOS) or not writable: fall through to the ordinary temp dir.
  }
  return tmpdir();
}

function findBinaries(): PgBinaries | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  // Debian and Ubuntu keep the server binaries off PATH, one directory per major version.
  const debian = '/usr/lib/postgresql';
  const versions = safeReaddir(debian).sort((a, b) => Number(b) - Number(a));
  dirs.push(...versions.map((v) => join(debian, v, 'bin')));
  for (const dir of dirs) {
    const [initdb, postgres, pgCtl] = ['initdb', 'postgres', 'pg_ctl'].map((name) => join(dir, name));
    if (initdb && postgres && pgCtl && [initdb, postgres, pgCtl].every(isExecutable)) {
      return { initdb, postgres, pgCtl };
    }
  }
  return null;
}

async function postgresUserIfRoot(): Promise<RunAs | null | 'missing'> {
  if (process.getuid?.() !== 0) return null;
  const uid = await run('id', ['-u', 'postgres'], { runAs: null });
  const gid = await run('id', ['-g', 'postgres'], { runAs: null });
  if (uid.code !== 0 || gid.code !== 0) return 'missing';
  return { uid: Number(uid.output.trim()), gid: Number(gid.output.trim()) };
}

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion, collecting stdout and stderr together. */
function run(
  command: string,
  args: string[],
  opts: { runAs: RunAs | null; cwd?: string },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...spawnOptions(opts.runAs, opts.cwd),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

function spawnOptions(runAs: RunAs | null, cwd?: string): SpawnOptions {
  // LC_ALL=C keeps messages parseable and avoids locale warnings from a minimal container.
  const env = { ...process.env, LC_ALL: 'C' };
  return runAs ? { uid: runAs.uid, gid: runAs.gid, cwd, env } : { cwd, env };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs SQL as the superuser on the `postgres` database (CREATE/DROP DATABASE). */
export async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on the server of `adminUrl`. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
