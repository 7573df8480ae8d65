/**
 * Imports and the API merge into what is stored, on both databases: a row changes only the
 * fields it carries, an empty cell or a missing key keeps the stored value, `(clear)` clears
 * one on purpose, attributes merge key by key, and a dry run reports the real run's counts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import { getCustomer } from '../../src/db/customers.js';
import { migrate } from '../../src/db/migrations.js';
import { checkRecords } from '../../src/import/run.js';
import { importStore } from '../../src/import/db-store.js';
import { cli } from '../support/cli.js';
import { databases } from '../support/databases.js';
import { writeTestConfig } from '../support/runtime.js';

function workspace(databaseUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-merge-'));
  const env = {
    RAPPORT_CONFIG: writeTestConfig(),
    DATABASE_URL: databaseUrl,
    SMTP_URL: `file:${join(dir, 'outbox')}`,
    RAPPORT_SECRET: 'merge-test-secret-0123456789abcdef0123',
    RAPPORT_LOG_LEVEL: 'silent',
  };
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  return { env, file };
}

async function stored(url: string, id: string) {
  const db = openDatabase(url);
  try {
    return await getCustomer(db.knex, id);
  } finally {
    await db.close();
  }
}

const FULL =
  'id,email,first_name,last_name,birthday,timezone,locale,customer_since,tags,subscribed,drink,size\n' +
  'c1,ann@example.com,Ann,Lee,1990-05-17,Europe/Paris,fr-FR,2020-01-02,vip;news,false,flat white,M\n';

describe.each(databases())('import merges into stored customers on %s', (db) => {
  const url = db.fresh('test');

  it('keeps what a CSV row or a JSON Lines record does not carry, and merges attributes key by key', async () => {
    const { env, file } = workspace(url());
    expect((await cli(env, 'import', 'customers', file('full.csv', FULL))).code).toBe(0);

    // Fewer columns, and empty cells: only first_name and one attribute change.
    const partial = file(
      'partial.csv',
      'id,email,first_name,birthday,tags,size\nc1,ann@example.com,Anne,,,L\n',
    );
    expect((await cli(env, 'import', 'customers', partial)).out).toContain('(0 new, 1 changed, 0 unchanged)');
    const jsonl = file(
      'partial.jsonl',
      '{"id":"c1","email":"ann@example.com","timezone":null,"tags":[],"colour":"red"}\n',
    );
    expect((await cli(env, 'import', 'customers', jsonl)).code).toBe(0);

    expect(await stored(url(), 'c1')).toMatchObject({
      first_name: 'Anne',
      last_name: 'Lee',
      birthday: '1990-05-17',
      timezone: 'Europe/Paris',
      locale: 'fr-FR',
      customer_since: '2020-01-02',
      tags: ['vip', 'news'],
      subscribed: false,
      attributes: { drink: 'flat white', size: 'L', colour: 'red' },
    });
    // The same partial file again changes nothing.
    expect((await cli(env, 'import', 'customers', partial)).out).toContain('(0 new, 0 changed, 1 unchanged)');
  });

  it('clears a field or an attribute given as (clear), and nothing else', async () => {
    const { env, file } = workspace(url());
    await cli(env, 'import', 'customers', file('full.csv', FULL));
    const clear = file(
      'clear.csv',
      'id,email,birthday,tags,drink\nc1,ann@example.com,(clear),(Clear),(clear)\n',
    );
    expect((await cli(env, 'import', 'customers', clear)).code).toBe(0);
    const jsonl = file('clear.jsonl', '{"id":"c1","email":"ann@example.com","locale":"(clear)"}\n');
    expect((await cli(env, 'import', 'customers', jsonl)).code).toBe(0);
    expect(await stored(url(), 'c1')).toMatchObject({
      first_name: 'Ann',
      birthday: null,
      locale: null,
      timezone: 'Europe/Paris',
      tags: [],
      attributes: { size: 'M' },
    });
    const refused = await cli(
      env,
      'import',
      'customers',
      file('bad.csv', 'id,email,subscribed\nc1,ann@example.com,(clear)\n'),
    );
    expect(refused.code).toBe(3);
    expect(refused.err).toContain('line 2: subscribed: cannot be cleared; write true or false');
  });

  it('reports in a dry run the counts the real run reports, and writes nothing', async () => {
    const { env, file } = workspace(url());
    await cli(env, 'import', 'customers', file('full.csv', FULL + 'c2,bob@example.com,Bob,,,,,,,,,\n'));
    // c1 unchanged (nothing carried differs), c2 changed, c3 new.
    const next = file(
      'next.csv',
      'id,email,first_name,size\nc1,ann@example.com,Ann,M\nc2,bob@example.com,Bobby,\nc3,cat@example.com,Cat,\n',
    );
    const dry = await cli(env, 'import', 'customers', next, '--dry-run');
    expect(dry.out).toContain('would import 3 (1 new, 1 changed, 1 unchanged)');
    expect(await stored(url(), 'c3')).toBeUndefined();
    expect((await stored(url(), 'c2'))?.first_name).toBe('Bob');
    const real = await cli(env, 'import', 'customers', next);
    expect(real.out).toContain('imported 3 (1 new, 1 changed, 1 unchanged)');
  });

  it("keeps a content item's summary and tags when a row leaves them out", async () => {
    const { env, file } = workspace(url());
    const head = 'id,title,url,published_at';
    const first = `${head},summary,tags\np1,Spring,https://cafe.example/p1,2026-03-01T08:00:00Z,New drinks,menu;spring\n`;
    expect((await cli(env, 'import', 'content', file('c1.csv', first))).code).toBe(0);
    const retitled = `${head},summary\np1,Spring menu,https://cafe.example/p1,2026-03-01T08:00:00Z,\n`;
    expect((await cli(env, 'import', 'content', file('c2.csv', retitled))).out).toContain('1 changed');
    const list = await cli(env, 'content', 'list', '--json');
    expect(JSON.parse(list.out.trim())).toMatchObject({
      title: 'Spring menu',
      summary: 'New drinks',
      tags: ['menu', 'spring'],
    });
    const cleared = `${head},tags\np1,Spring menu,https://cafe.example/p1,2026-03-01T08:00:00Z,(clear)\n`;
    await cli(env, 'import', 'content', file('c3.csv', cleared));
    expect(JSON.parse((await cli(env, 'content', 'list', '--json')).out.trim())).toMatchObject({
      summary: 'New drinks',
      tags: [],
    });
  });

  it('merges API records the same way', async () => {
    const { env, file } = workspace(url());
    await cli(env, 'import', 'customers', file('full.csv', FULL));
    const conn = openDatabase(url());
    try {
      await migrate(conn.knex);
      const records = [{ id: 'c1', email: 'ann@example.com', last_name: 'Li', size: '(clear)', tags: null }];
      const checked = await checkRecords('customers', records, importStore(conn), Date.now());
      expect(checked.errors).toEqual([]);
      expect(await checked.store()).toMatchObject({ updated: 1, keptUnsubscribed: 0 });
      expect(await getCustomer(conn.knex, 'c1')).toMatchObject({
        first_name: 'Ann',
        last_name: 'Li',
        birthday: '1990-05-17',
        tags: ['vip', 'news'],
        attributes: { drink: 'flat white' },
      });
    } finally {
      await conn.close();
    }
  });
});
