/**
 * A throwaway Postgres cluster for a benchmark run, when the server binaries are installed
 * (the same approach as test/support/postgres.ts, kept minimal): initdb into a temp dir, start on
 * a free loopback port as our own child, remove everything on stop. RAPPORT_BENCH_POSTGRES_URL
 * names an existing server instead.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, chown, rm, statfs } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

export interface RunningPostgres {
  /** Superuser URL of the `postgres` database. */
  url: string;
  stop(): Promise<void>;
}

interface RunAs {
  uid: number;
  gid: number;
}

/** A reason instead of a server when Postgres cannot run here. */
export async function startPostgres(env: NodeJS.ProcessEnv): Promise<RunningPostgres | { skipped: string }> {
  const external = env.RAPPORT_BENCH_POSTGRES_URL;
  if (external) return { url: external, stop: async () => {} };
  const bin = findBinaries(env.PATH ?? '');
  if (!bin) return { skipped: 'Postgres binaries (initdb, postgres) not found' };
  let runAs: RunAs | null = null;
  if (process.getuid?.() === 0) {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (uid.status !== 0 || gid.status !== 0)
      return { skipped: 'running as root without a "postgres" OS user' };
    runAs = { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  const dir = await mkdtemp(join(await dataDirBase(), 'rapport-bench-pg-'));
  try {
    if (runAs) await chown(dir, runAs.uid, runAs.gid);
    const init = spawnSync(
      bin.initdb,
      ['-D', dir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'],
      {
        ...spawnOptions(env, runAs, dir),
        encoding: 'utf8',
      },
    );
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    const port = await freePort();
    const child = await spawnServer(env, bin.postgres, dir, runAs, port);
    const stopNow = (): void => {
      spawnSync(bin.pgCtl, ['-D', dir, '-m', 'immediate', '-w', 'stop'], spawnOptions(env, runAs, dir));
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', stopNow);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let stopping: Promise<void> | undefined;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop: () =>
        (stopping ??= (async () => {
          process.off('exit', stopNow);
          child.kill('SIGQUIT');
          await exited;
          await rm(dir, { recursive: true, force: true });
        })()),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Durability off: the benchmark measures Rapport, not the disk. Shared buffers as a small server has. */
function spawnServer(
  env: NodeJS.ProcessEnv,
  postgres: string,
  dir: string,
  runAs: RunAs | null,
  port: number,
): Promise<ChildProcess> {
  const settings = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'shared_buffers=256MB'];
  const args = ['-D', dir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
  for (const s of settings) args.push('-c', s);
  const child = spawn(postgres, args, {
    ...spawnOptions(env, runAs, dir),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`postgres not ready:\n${log}`)), 60_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-10_000);
      if (log.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume();
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited (${code}):\n${log}`));
    });
  });
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

async function dataDirBase(): Promise<string> {
  try {
    const stats = await statfs('/dev/shm');
    accessSync('/dev/shm', constants.W_OK);
    if (stats.bavail * stats.bsize >= 4 * 1024 ** 3) return '/dev/shm';
  } catch {
    // no /dev/shm here
  }
  return tmpdir();
}

function findBinaries(path: string): { initdb: string; postgres: string; pgCtl: string } | null {
  const dirs = path.split(delimiter).filter(Boolean);
  const debian = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
  } catch {
    // not Debian-style
  }
  dirs.push(...versions.map((v) => join(debian, v, 'bin')));
  for (const dir of dirs) {
    const [initdb, postgres, pgCtl] = ['initdb', 'postgres', 'pg_ctl'].map((name) => join(dir, name)) as [
      string,
      string,
      string,
    ];
    if ([initdb, postgres, pgCtl].every(isExecutable)) return { initdb, postgres, pgCtl };
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function spawnOptions(base: NodeJS.ProcessEnv, runAs: RunAs | null, cwd: string): SpawnOptions {
  const env = { ...base, LC_ALL: 'C' };
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
