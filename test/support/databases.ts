/**
 * Run one spec against every database Rapport supports, each test on a fresh, empty database:
 *
 *   describe.each(databases())('%s', (db) => {
 *     const url = db.fresh('test'); // a new database per test; 'file': one shared by the file
 *     it('works', async () => { const conn = openDatabase(url()); ... });
 *   });
 *
 * Postgres comes from the run's global setup (`inject('postgresUrl')`); when it is unavailable the
 * postgres tests are reported as skipped and a notice is printed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';

export type DatabaseName = 'sqlite' | 'postgres';

/** One freshly created, empty database. */
export interface FreshDatabase {
  /** `sqlite:/tmp/.../rapport.db` or `postgres://postgres@127.0.0.1:PORT/t_<random>` */
  url: string;
  /** Deletes the database (Postgres: terminating open connections). Safe to call twice. */
  drop(): Promise<void>;
}

export interface TestDatabase {
  readonly name: DatabaseName;
  /** False when this database cannot run here (no Postgres); its tests are then skipped. */
  readonly available: boolean;
  /** Creates a fresh database; the caller drops it. Throws when not available. */
  create(): Promise<FreshDatabase>;
  /**
   * Registers hooks in the enclosing describe that create a fresh database before each test
   * ('test') or once for the describe block ('file') and drop it afterwards. Returns a getter
   * for its URL, valid inside tests and later hooks. Skips the tests when not available.
   */
  fresh(scope: 'test' | 'file'): () => string;
  /** The name, so `describe.each(databases())('%s', ...)` reads well too. */
  toString(): string;
}

let noticePrinted = false;

/** Both databases; the postgres entry is unavailable when the run has no Postgres server. */
export function databases(): TestDatabase[] {
  const adminUrl = inject('postgresUrl') ?? null;
  if (adminUrl === null && !noticePrinted) {
    noticePrinted = true;
    console.warn('Postgres unavailable: Postgres tests skipped');
  }
  return [
    testDatabase('sqlite', createSqliteDatabase),
    testDatabase('postgres', adminUrl === null ? null : () => createPostgresDatabase(adminUrl)),
  ];
}

/** Just the database with this name, e.g. for a test that only concerns Postgres. */
export function database(name: DatabaseName): TestDatabase {
  const found = databases().find((db) => db.name === name);
  if (!found) throw new Error(`unknown test database ${name}`);
  return found;
}

function testDatabase(name: DatabaseName, create: (() => Promise<FreshDatabase>) | null): TestDatabase {
  const skipNote = `${name} is not available in this run`;
  return {
    name,
    available: create !== null,
    create() {
      if (!create) throw new Error(skipNote);
      return create();
    },
    fresh(scope) {
      if (!create) {
        beforeEach((ctx) => ctx.skip(skipNote));
        return () => {
          throw new Error(skipNote);
        };
      }
      let current: FreshDatabase | undefined;
      const setUp = async (): Promise<void> => {
        current = await create();
      };
      const tearDown = async (): Promise<void> => {
        const done = current;
        current = undefined;
        await done?.drop();
      };
      if (scope === 'file') {
        beforeAll(setUp);
        afterAll(tearDown);
      } else {
        beforeEach(setUp);
        afterEach(tearDown);
      }
      return () => {
        if (!current) throw new Error(`no fresh ${name} database here: call the getter inside a test`);
        return current.url;
      };
    },
    toString: () => name,
  };
}

async function createSqliteDatabase(): Promise<FreshDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'rapport-sqlite-'));
  return {
    url: `sqlite:${join(dir, 'rapport.db')}`,
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

async function createPostgresDatabase(adminUrl: string): Promise<FreshDatabase> {
  // Lower-case hex keeps the name a plain identifier, so it needs no quoting.
  const name = `t_${randomBytes(8).toString('hex')}`;
  await withAdminClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    drop() {
      // FORCE: a test that forgot to destroy its knex pool must not make the drop fail.
      dropped ??= withAdminClient(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      );
      return dropped;
    },
  };
}

async function withAdminClient(adminUrl: string, fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}
