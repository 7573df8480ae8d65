/**
 * Where a measure's data lives. A population is seeded once per size and database, then each
 * measure gets its own copy (a file copy on SQLite, CREATE DATABASE … TEMPLATE on Postgres), so
 * no measure sees another's writes.
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import {
  adminQuery,
  databaseUrl,
  startKeptPostgres,
  startThrowawayPostgres,
  type RunningPostgres,
} from './postgres.js';

/** Adds customers [from, to) to the database at `url`. */
export type Seeder = (url: string, from: number, to: number) => Promise<void>;

export interface Store {
  name: 'sqlite' | 'postgres';
  /**
   * The database URL of a seeded population, seeding it first if needed: a copy of the largest
   * smaller population already seeded, grown to `size`.
   */
  seeded(size: number, seed: Seeder): Promise<string>;
  /** An empty, migrated-later database of its own; removed by `drop`. */
  empty(label: string): Promise<string>;
  /** A private copy of a seeded population; removed by `drop`. */
  copy(seededUrl: string, label: string): Promise<string>;
  drop(url: string): Promise<void>;
  close(): Promise<void>;
  /**
   * With a kept cluster (--keep-console-pg): the database of `size` customers that the console
   * measure reuses from run to run, seeded with the customers when it does not exist yet.
   */
  keptConsole?(size: number, seed: Seeder): Promise<string>;
}

export function sqliteStore(dir: string): Store {
  const seeds = new Map<number, string>();
  let copies = 0;
  const path = (url: string) => url.slice('sqlite:'.length);
  return {
    name: 'sqlite',
    async seeded(size, seed) {
      let url = seeds.get(size);
      if (!url) {
        url = `sqlite:${join(dir, `seed-${size}.db`)}`;
        const base = largestBelow(seeds, size);
        if (base) copyDatabase(path(base[1]), path(url));
        await seed(url, base?.[0] ?? 0, size);
        seeds.set(size, url);
      }
      return url;
    },
    async empty(label) {
      return `sqlite:${join(dir, `${label}-${++copies}.db`)}`;
    },
    async copy(seededUrl, label) {
      const target = join(dir, `${label}-${++copies}.db`);
      copyDatabase(path(seededUrl), target);
      return `sqlite:${target}`;
    },
    async drop(url) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(path(url) + suffix, { force: true });
    },
    async close() {},
  };
}

/** Shared buffers as a small server has. */
const SETTINGS = ['shared_buffers=256MB'];

/**
 * RAPPORT_BENCH_POSTGRES_URL names a server to use; otherwise the kept cluster in `keepDir`, or
 * a throwaway one, when Postgres is installed.
 */
async function startPostgres(
  env: NodeJS.ProcessEnv,
  keepDir: string | null,
): Promise<RunningPostgres | { skipped: string }> {
  const external = env.RAPPORT_BENCH_POSTGRES_URL;
  if (external) return { url: external, stop: async () => {} };
  const server = keepDir
    ? await startKeptPostgres(resolve(keepDir), SETTINGS)
    : await startThrowawayPostgres({
        prefix: 'rapport-bench-pg-',
        settings: SETTINGS,
        // The 1M-customer seed wants room in /dev/shm.
        minShmBytes: 4 * 1024 ** 3,
      });
  return 'unavailable' in server ? { skipped: server.reason } : server;
}

/** What marks a kept database whose customers are all seeded (an interrupted seed has none). */
const SEEDED = 'rapport bench: customers seeded';

export async function postgresStore(
  env: NodeJS.ProcessEnv,
  keepDir: string | null = null,
): Promise<Store | { skipped: string }> {
  const server = await startPostgres(env, keepDir);
  if ('skipped' in server) return server;
  const seeds = new Map<number, string>();
  let copies = 0;
  const nameOf = (url: string) => new URL(url).pathname.slice(1);
  return {
    name: 'postgres',
    async seeded(size, seed) {
      let url = seeds.get(size);
      if (!url) {
        const name = `bench_seed_${size}`;
        const base = largestBelow(seeds, size);
        await adminQuery(server.url, `DROP DATABASE IF EXISTS ${name}`);
        await adminQuery(server.url, `CREATE DATABASE ${name}${base ? ` TEMPLATE ${nameOf(base[1])}` : ''}`);
        url = databaseUrl(server.url, name);
        await seed(url, base?.[0] ?? 0, size);
        // Fresh statistics, as autovacuum would have by the time anyone plans a day.
        await adminQuery(url, 'VACUUM ANALYZE');
        seeds.set(size, url);
      }
      return url;
    },
    async empty(label) {
      const name = `bench_${label.replace(/[^a-z0-9_]/g, '_')}_${++copies}`;
      await adminQuery(server.url, `CREATE DATABASE ${name}`);
      return databaseUrl(server.url, name);
    },
    async copy(seededUrl, label) {
      const name = `bench_${label.replace(/[^a-z0-9_]/g, '_')}_${++copies}`;
      await adminQuery(server.url, `CREATE DATABASE ${name} TEMPLATE ${nameOf(seededUrl)}`);
      return databaseUrl(server.url, name);
    },
    async drop(url) {
      await adminQuery(server.url, `DROP DATABASE IF EXISTS ${nameOf(url)} WITH (FORCE)`);
    },
    async close() {
      // A kept cluster keeps only the console's database: the other measures' seeds go.
      if (keepDir) {
        for (const url of seeds.values())
          await adminQuery(server.url, `DROP DATABASE IF EXISTS ${nameOf(url)} WITH (FORCE)`);
      }
      await server.stop();
    },
    async keptConsole(size, seed) {
      const name = `bench_console_${size}`;
      const url = databaseUrl(server.url, name);
      if ((await databaseComment(server.url, name)) === SEEDED) return url;
      await adminQuery(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await adminQuery(server.url, `CREATE DATABASE ${name}`);
      await seed(url, 0, size);
      await adminQuery(server.url, `COMMENT ON DATABASE ${name} IS '${SEEDED}'`);
      return url;
    },
  };
}

/** The comment on database `name`, or null when there is none or no such database. */
async function databaseComment(adminUrl: string, name: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ comment: string | null }>(
      "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1",
      [name],
    );
    return rows[0]?.comment ?? null;
  } finally {
    await client.end();
  }
}

function largestBelow(seeds: Map<number, string>, size: number): [number, string] | undefined {
  return [...seeds].filter(([n]) => n < size).sort((a, b) => b[0] - a[0])[0];
}

/** A cleanly closed database has no -wal file left; copy one if it is there. */
function copyDatabase(from: string, to: string): void {
  for (const suffix of ['', '-wal']) {
    if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
  }
}
