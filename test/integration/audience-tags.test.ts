/**
 * What a broadcast's audience is counted from (audience_tags and subscribed_counts, kept by
 * triggers on customers) against the customers themselves, on both databases: inserts, tag
 * edits in any letter case, consent changes, an erasure, an import merging changed rows, a
 * rolled-back write and the backfill of customers stored before. Then counts and pages against
 * the audience's row-by-row definition with opt-outs and suppressions by record and by
 * address, other scopes, and customers added after the broadcast.
 */
import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { erasePerson } from '../../src/console/data/person.js';
import { createAudienceTables, dropAudienceTables } from '../../src/db/audience-schema.js';
import { setConsent } from '../../src/db/consent.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { mergeCustomers } from '../../src/db/customers-merge.js';
import { audienceAmong, audiencePage, countAudienceRows } from '../../src/db/customers-audience.js';
import { addSuppression } from '../../src/db/suppressions.js';
import type { Audience } from '../../src/broadcasts/types.js';
import { importStore } from '../../src/import/db-store.js';
import { runImport } from '../../src/import/run.js';
import type { DbRuntime } from '../../src/runtime.js';
import { streamOf } from '../fixtures/import/fake-store.js';
import { databases } from '../support/databases.js';
import { customer } from '../support/records.js';
import { openTestRuntime } from '../support/runtime.js';

const T0 = Date.parse('2027-03-10T12:00:00Z');
const LATER = T0 + 3_600_000;

/** The table's rows as "tag id", sorted. */
async function stored(knex: Knex): Promise<string[]> {
  const rows = (await knex('audience_tags').select('tag', 'customer_id')) as Array<Record<string, string>>;
  return rows.map((r) => `${r.tag} ${r.customer_id}`).sort();
}

/** What the rows should be, from the customers: each subscribed one's tags lower-cased, once. */
async function fromCustomers(knex: Knex): Promise<string[]> {
  const rows = (await knex('customers').select('id', 'tags', 'subscribed')) as Array<Record<string, unknown>>;
  const out = new Set<string>();
  for (const r of rows) {
    if (!(r.subscribed === true || r.subscribed === 1)) continue;
    for (const tag of JSON.parse(String(r.tags)) as string[]) out.add(`${tag.toLowerCase()} ${String(r.id)}`);
  }
  return [...out].sort();
}

/** The kept count of subscribed customers (SQLite; Postgres counts the rows) and the rows' own. */
async function subscribed(knex: Knex): Promise<{ kept: number; rows: number }> {
  if (knex.client.config.client === 'pg') {
    expect(await knex.schema.hasTable('subscribed_counts')).toBe(false);
    const rows = (await knex('customers').where('subscribed', true).count({ n: '*' }).first()) as {
      n: unknown;
    };
    return { kept: Number(rows.n), rows: Number(rows.n) };
  }
  const kept = (await knex('subscribed_counts').sum({ n: 'n' }).first()) as { n: unknown };
  const rows = (await knex('customers').where('subscribed', true).count({ n: '*' }).first()) as {
    n: unknown;
  };
  return { kept: Number(kept.n ?? 0), rows: Number(rows.n) };
}

async function expectKept(knex: Knex): Promise<void> {
  expect(await stored(knex)).toEqual(await fromCustomers(knex));
  const { kept, rows } = await subscribed(knex);
  expect(kept).toBe(rows);
}

async function importCsv(rt: DbRuntime, lines: string[], now: number) {
  return runImport({
    kind: 'customers',
    input: streamOf(['id,email,first_name,tags,subscribed', ...lines].join('\n')),
    format: 'csv',
    store: importStore(rt.db),
    dryRun: false,
    now,
    batchSize: 2,
  });
}

describe.each(databases())('audience tags and subscribed count on %s', (db) => {
  const url = db.fresh('test');
  let rt: DbRuntime;
  beforeEach(async () => {
    rt = await openTestRuntime({ databaseUrl: url(), smtpUrl: 'smtp://127.0.0.1:2525', now: () => T0 });
  });
  afterEach(async () => {
    await rt.close();
  });

  it('follow inserts, tag edits in any case, consent, an erasure, an import and a console edit', async () => {
    const k = rt.db.knex;
    await upsertCustomers(
      k,
      [
        customer('a', { tags: ['VIP', 'vip', 'Gold'] }),
        customer('b', { tags: ['gold'] }),
        customer('c', { tags: ['vip'], subscribed: false }),
        customer('d'),
      ],
      T0,
    );
    expect(await stored(k)).toEqual(['gold a', 'gold b', 'vip a']);
    await expectKept(k);

    // An edit: a tag dropped, one added in upper case; an untagged customer tagged.
    await upsertCustomers(
      k,
      [customer('a', { tags: ['GOLD', 'New'] }), customer('d', { tags: ['Vip'] })],
      T0,
    );
    expect(await stored(k)).toEqual(['gold a', 'gold b', 'new a', 'vip d']);
    await expectKept(k);

    // Opting out removes every tag of the address's records; opting in again brings them back.
    await setConsent(k, 'b@example.com', [{ scope: '*', optedOut: true }], 'test', T0);
    expect(await stored(k)).toEqual(['gold a', 'new a', 'vip d']);
    await expectKept(k);
    await setConsent(k, 'b@example.com', [{ scope: '*', optedOut: false }], 'test', T0);
    expect(await stored(k)).toContain('gold b');
    await expectKept(k);

    await erasePerson(rt.db, 'a', 'staff@corner.example', 'asked to be forgotten', T0);
    expect(await stored(k)).toEqual(['gold b', 'vip d']);
    await expectKept(k);

    // An import: new rows, changed tags, an unsubscribe, and a row unchanged.
    const report = await importCsv(
      rt,
      [
        'b,b@example.com,b,Gold;Silver,true',
        'c,c@example.com,c,vip,true',
        'd,d@example.com,d,vip,false',
        'e,e@example.com,E,Zed,true',
        'f,f@example.com,F,,true',
      ],
      LATER,
    );
    expect(report).toMatchObject({ accepted: 5, rejectedCount: 0 });
    expect(await stored(k)).toEqual(['gold b', 'silver b', 'vip c', 'zed e']);
    await expectKept(k);

    // A console edit (one record merged by hand).
    await mergeCustomers(
      k,
      [{ id: 'e', email: 'e@example.com', tags: ['Zed', 'EDITED'], attributes: {} }],
      LATER,
    );
    expect(await stored(k)).toEqual(['edited e', 'gold b', 'silver b', 'vip c', 'zed e']);
    await expectKept(k);
  });

  it('roll back with the write that failed', async () => {
    const k = rt.db.knex;
    await upsertCustomers(k, [customer('a', { tags: ['vip'] })], T0);
    await expect(
      k.transaction(async (trx) => {
        await trx('customers').where('id', 'a').update({ tags: '["gold"]', subscribed: false });
        await trx('customers').insert({ ...rowOf('z'), tags: '["vip"]' });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await stored(k)).toEqual(['vip a']);
    await expectKept(k);
  });

  it('are filled from the customers stored before they existed', async () => {
    const k = rt.db.knex;
    await dropAudienceTables(k);
    await upsertCustomers(
      k,
      [
        customer('a', { tags: ['VIP', 'Gold'] }),
        customer('b', { tags: ['vip'], subscribed: false }),
        customer('c'),
      ],
      T0,
    );
    await createAudienceTables(k);
    expect(await stored(k)).toEqual(['gold a', 'vip a']);
    expect(await subscribed(k)).toEqual({ kept: 2, rows: 2 });
  });

  it('count and page exactly the audience: opt-outs and suppressions by record and by address, later additions', async () => {
    const k = rt.db.knex;
    const id = (n: number) => `c${String(n).padStart(2, '0')}`;
    await upsertCustomers(
      k,
      Array.from({ length: 11 }, (_, n) =>
        customer(id(n), {
          tags: n % 3 === 0 ? ['VIP'] : n % 3 === 1 ? ['gold', 'vip'] : [],
          attributes: { city: n % 2 === 0 ? 'Paris' : 'Lyon' },
        }),
      ),
      T0,
    );
    // Two records share c05's address; c11 is added after the broadcast.
    await upsertCustomers(k, [customer('c12', { email: 'C05@Example.com', tags: ['Vip'] })], T0);
    await upsertCustomers(k, [customer('c11', { tags: ['vip'] })], LATER);
    // Still marked subscribed, yet out: opted out by record (c01), by address (c05 and c12,
    // through a record since erased), suppressed (c06); c07 opted out of one automation only.
    await k('opt_outs').insert([
      { customer_id: 'c01', scope: '*', source: 'test', created_at: T0, email_key: null },
      { customer_id: 'gone', scope: '*', source: 'test', created_at: T0, email_key: 'c05@example.com' },
      { customer_id: 'c07', scope: 'birthday', source: 'test', created_at: T0, email_key: 'c07@example.com' },
    ]);
    await addSuppression(k, { email: 'c06@example.com', reason: 'bounce', source: 'operator', now: T0 });
    const everyone = Array.from({ length: 13 }, (_, n) => id(n));

    const audiences: Audience[] = [
      {},
      { tags: ['VIP'] },
      { tags: ['gold', 'Vip', 'GOLD'] },
      { tags: ['nobody'] },
      { tags: ['vip'], attributes: { city: 'Paris' } },
      { attributes: { city: 'Lyon' } },
    ];
    for (const audience of audiences) {
      const members = [...(await audienceAmong(k, audience, T0, everyone))].sort();
      expect(await countAudienceRows(k, audience, T0)).toBe(members.length);
      const paged: string[] = [];
      for (let after: string | null = null; ;) {
        const page = await audiencePage(k, audience, T0, after, 2);
        if (page.length === 0) break;
        paged.push(...page.map((c) => c.id));
        after = page[page.length - 1]?.id ?? null;
      }
      expect(paged).toEqual(members);
    }
    // Spelled out once, so the definition above is not only compared with itself.
    expect([...(await audienceAmong(k, { tags: ['vip'] }, T0, everyone))].sort()).toEqual([
      'c00',
      'c03',
      'c04',
      'c07',
      'c09',
      'c10',
    ]);
    expect(await countAudienceRows(k, {}, T0)).toBe(8);
    expect(await countAudienceRows(k, {}, LATER)).toBe(9);
  });
});

/** A whole customers row, for a raw insert. */
function rowOf(id: string) {
  return {
    id,
    email: `${id}@example.com`,
    email_key: `${id}@example.com`,
    tags: '[]',
    subscribed: true,
    attributes: '{}',
    created_at: T0,
    updated_at: T0,
  };
}
