/**
 * Consent belongs to the address, on both databases: opt-outs and suppressions hold in any
 * letter case, at planning and at claim time; an import or API record never re-subscribes an
 * address that opted out (the report says how many asked); only `rapport resubscribe` with a
 * reason (or the customer's own preferences page) lifts it, and the consent log says who and why.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_MARKETING, consentLog, optOutsFor } from '../../src/db/consent.js';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { getCustomer, upsertCustomers } from '../../src/db/customers.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { checkRecords } from '../../src/import/run.js';
import { importStore } from '../../src/import/db-store.js';
import { runOnce } from '../../src/main.js';
import { cli } from '../support/cli.js';
import { databases } from '../support/databases.js';
import { customer } from '../support/records.js';
import { openTestRuntime, writeTestConfig } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

// 10:00 in New York: birthdays at 09:00 there are due.
const NOW = Date.parse('2027-03-10T15:00:00Z');
const DAY = 86_400_000;
const LINE = '2 rows asked to re-subscribe addresses that opted out; left unsubscribed';

function workspace(databaseUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-consent-'));
  const env = {
    RAPPORT_CONFIG: writeTestConfig(),
    DATABASE_URL: databaseUrl,
    SMTP_URL: `file:${join(dir, 'outbox')}`,
    RAPPORT_SECRET: 'consent-test-secret-0123456789abcdef0123',
    RAPPORT_LOG_LEVEL: 'silent',
  };
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  return { env, file };
}

async function withDb<T>(url: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = openDatabase(url);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

describe.each(databases())('consent by address on %s', (db) => {
  const url = db.fresh('test');
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });

  it('keeps an opted-out address unsubscribed through imports in any case, until resubscribe with a reason', async () => {
    const { env, file } = workspace(url());
    await cli(env, 'import', 'customers', file('a.csv', 'id,email\nc1,ann@example.com\n'));
    expect((await cli(env, 'unsubscribe', 'ANN@example.com')).code).toBe(0);

    // The same record asks to be subscribed; a new record in another case does too.
    const again = file(
      'b.csv',
      'id,email,subscribed,first_name\nc1,Ann@example.com,true,Ann\nc2,ANN@example.com,yes,\n',
    );
    const run = await cli(env, 'import', 'customers', again);
    expect(run.code).toBe(0);
    expect(run.out.split('\n')).toContain(LINE);
    const dry = await cli(env, 'import', 'customers', again, '--dry-run');
    expect(dry.out.split('\n')).toContain(LINE);
    // A new record that says nothing about consent is unsubscribed too.
    await cli(env, 'import', 'customers', file('c.jsonl', '{"id":"c3","email":"aNN@example.com"}\n'));

    await withDb(url(), async ({ knex }) => {
      const people = ['c1', 'c2', 'c3'].map((id) => ({ id, email: 'ann@example.com' }));
      const optOuts = await optOutsFor(knex, people);
      for (const id of ['c1', 'c2', 'c3']) expect(optOuts.get(id)?.has(ALL_MARKETING)).toBe(true);
      expect((await getCustomer(knex, 'c2'))?.subscribed).toBe(false);
      expect((await getCustomer(knex, 'c1'))?.first_name).toBe('Ann');
    });

    // The API refuses it the same way and says how many.
    await withDb(url(), async (conn) => {
      const records = [{ id: 'c1', email: 'ann@example.com', subscribed: true }];
      const checked = await checkRecords('customers', records, importStore(conn), NOW);
      expect(await checked.store()).toMatchObject({ keptUnsubscribed: 1 });
    });

    const noReason = await cli(env, 'resubscribe', 'ann@example.com');
    expect(noReason.code).toBe(2);
    expect((await cli(env, 'resubscribe', 'ann@example.com', '--reason', '  ')).code).toBe(2);
    const lifted = await cli(env, 'resubscribe', 'Ann@Example.com', '--reason', 'asked by phone on 3 March');
    expect(lifted.code).toBe(0);
    expect(lifted.out).toContain('ann@example.com (customer c1): re-subscribed');

    await withDb(url(), async ({ knex }) => {
      const optOuts = await optOutsFor(knex, [{ id: 'c2', email: 'ann@example.com' }]);
      expect(optOuts.get('c2')).toBeUndefined();
      expect((await getCustomer(knex, 'c2'))?.subscribed).toBe(true);
      const log = await consentLog(knex, 'c1');
      expect(log.map((r) => [r.action, r.source, r.reason])).toEqual([
        ['unsubscribe', 'cli', null],
        ['resubscribe', 'operator', 'asked by phone on 3 March'],
      ]);
    });
    // Now an import may change the flag again: the shop's data, no opt-out in the way.
    const off = await cli(
      env,
      'import',
      'customers',
      file('d.csv', 'id,email,subscribed\nc1,ann@example.com,true\n'),
    );
    expect(off.out).not.toContain('re-subscribe');
  });

  it('honours an opt-out and a suppression in another letter case when the row is claimed', async () => {
    const rt = await openTestRuntime({ databaseUrl: url(), smtpUrl: sink.url, now: () => NOW });
    try {
      const due = { birthday: '03-10', timezone: 'America/New_York' };
      // The opt-out is recorded while only a record in another case exists; 'una' comes later.
      await upsertCustomers(rt.db.knex, [customer('una-old', { email: 'UNA@example.com' })], NOW - DAY);
      expect((await cli(workspace(url()).env, 'unsubscribe', 'UNA@example.com')).code).toBe(0);
      expect((await cli(workspace(url()).env, 'suppress', 'Sam@EXAMPLE.com')).code).toBe(0);
      await upsertCustomers(
        rt.db.knex,
        [
          customer('una', { ...due, email: 'una@example.com' }),
          customer('sam', { ...due, email: 'SAM@example.com' }),
          customer('tom', { ...due, email: 'tom@example.com' }),
        ],
        NOW - DAY,
      );
      const before = sink.messages.length;
      await runOnce(rt);
      const books = await listDeliveries(rt.db.knex, { automationId: 'birthday' });
      expect(books.map((d) => [d.customer_id, d.status, d.reason]).sort()).toEqual([
        ['sam', 'suppressed', 'suppressed'],
        ['tom', 'sent', null],
        ['una', 'suppressed', 'unsubscribed'],
      ]);
      expect(sink.messages.slice(before).flatMap((m) => m.envelope.to)).toEqual(['tom@example.com']);
    } finally {
      await rt.close();
    }
  });

  it('finds the customer an event names by address in another letter case', async () => {
    const rt = await openTestRuntime({ databaseUrl: url(), smtpUrl: sink.url, now: () => NOW });
    try {
      await upsertCustomers(rt.db.knex, [customer('mia', { email: 'Mia.Lee@Example.com' })], NOW - DAY);
      const records = [
        {
          id: 'mia-order',
          customer_email: 'mia.lee@example.COM',
          type: 'purchase',
          occurred_at: '2027-03-01T10:00:00Z',
        },
      ];
      const checked = await checkRecords('events', records, importStore(rt.db), NOW);
      expect(checked.errors).toEqual([]);
      expect(checked.rows.map((r) => (r as unknown as { customer_id: string }).customer_id)).toEqual(['mia']);
    } finally {
      await rt.close();
    }
  });
});
