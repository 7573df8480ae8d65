/**
 * A person's data rights on both databases: the export holds everything stored about them, and
 * after erasure nothing about them is findable but their address's suppression, which keeps
 * them from being mailed again — also when they turn up again in an import.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { customerDetail } from '../../src/console/data/customer.js';
import { listDeliveries } from '../../src/console/data/deliveries.js';
import { viewAsSent } from '../../src/console/data/message.js';
import { searchCustomers } from '../../src/console/data/search.js';
import { listSuppressions } from '../../src/console/data/suppressions.js';
import { suppress, unsubscribe } from '../../src/console/data/actions.js';
import type { PersonExport } from '../../src/console/data/person.js';
import { runOnce } from '../../src/main.js';
import { cli } from '../support/cli.js';
import { databases } from '../support/databases.js';
import { customer, purchase } from '../support/records.js';
import { openTestRuntime, writeTestConfig } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

// 10:00 in New York: birthdays at 09:00 there are due.
const NOW = Date.parse('2027-03-10T15:00:00Z');
const DAY = 86_400_000;
const NY = 'America/New_York';

/** Every table's rows as text: what "findable" means for a database. */
async function everything(url: string): Promise<string> {
  const db = openDatabase(url);
  try {
    const tables =
      db.dialect === 'postgres'
        ? ((await db.knex('pg_tables').where('schemaname', 'public').select('tablename as name')) as Array<{
            name: string;
          }>)
        : ((await db.knex('sqlite_master').where('type', 'table').select('name')) as Array<{ name: string }>);
    const dump: Record<string, unknown> = {};
    for (const { name } of tables) dump[name] = await db.knex(name).select();
    return JSON.stringify(dump, (_k, v: unknown) =>
      v instanceof Buffer ? v.toString('hex') : v,
    ).toLowerCase();
  } finally {
    await db.close();
  }
}

describe.each(databases())('a person erased on %s', (db) => {
  const url = db.fresh('test');
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });

  it('exports everything, then erases all but the suppression, which holds on re-import', async () => {
    let now = NOW;
    const rt = await openTestRuntime({ databaseUrl: url(), smtpUrl: sink.url, now: () => now });
    const env = {
      RAPPORT_CONFIG: writeTestConfig(),
      DATABASE_URL: url(),
      SMTP_URL: sink.url,
      RAPPORT_SECRET: 'test-secret-0123456789abcdef0123456789',
      RAPPORT_LOG_LEVEL: 'silent',
    };
    try {
      const zed = { email: 'Zed.Quill@Example.com', first_name: 'Zedekiah', last_name: 'Quillfeather' };
      await upsertCustomers(
        rt.db.knex,
        [
          customer('z-9', { ...zed, birthday: '03-10', timezone: NY }),
          customer('keep', { birthday: '03-10', timezone: NY }),
        ],
        NOW - DAY,
      );
      await upsertEvents(rt.db.knex, [purchase('order-77', 'z-9', NOW - 2 * DAY)], NOW);
      await runOnce(rt);
      await unsubscribe(rt.db, 'z-9', 'ed', NOW + 1, 'how-did-it-go');
      await suppress(rt.db, 'z-9', 'Zedekiah phoned', 'ed', NOW + 2);
      const sent = (await customerDetail(rt.db, 'z-9')).deliveries.filter((d) => d.view_id !== null);
      expect(sent.length).toBeGreaterThan(0);

      const exported = await cli(env, 'customers', 'export-person', 'z-9');
      expect(exported.code).toBe(0);
      const copy = JSON.parse(exported.out) as PersonExport;
      expect(copy.customer).toMatchObject({ id: 'z-9', email: zed.email, first_name: 'Zedekiah' });
      expect(copy.events.map((e) => e.id)).toEqual(['order-77']);
      expect(copy.consent_log).toMatchObject([
        { action: 'unsubscribe', scope: 'how-did-it-go', author: 'ed' },
      ]);
      expect(copy.suppression).toMatchObject({ reason: 'Zedekiah phoned' });
      const withMessage = copy.deliveries.find((d) => d.message !== null);
      expect(withMessage?.message?.mime).toContain('Zedekiah');

      expect((await cli(env, 'customers', 'erase', 'z-9')).code).toBe(2);
      const erased = await cli(env, 'customers', 'erase', 'z-9', '--reason', 'erasure request of 10 March');
      expect(erased.code).toBe(0);
      expect(erased.out).toContain('zed.quill@example.com stays suppressed');
      expect((await cli(env, 'customers', 'erase', 'z-9', '--reason', 'again')).code).toBe(1);

      // Nothing about them is findable but the suppression of their address.
      const dump = await everything(url());
      for (const trace of ['zedekiah', 'quillfeather', 'z-9', 'order-77', 'phoned'])
        expect(dump, trace).not.toContain(trace);
      expect(dump.split('zed.quill@example.com').length - 1).toBe(2); // suppressions + its log
      expect(await searchCustomers(rt.db, 'zed')).toEqual([]);
      expect((await listDeliveries(rt.db, { customer: 'z-9' })).rows).toEqual([]);
      await expect(viewAsSent(rt.db, sent[0]?.id as number)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      await expect(customerDetail(rt.db, 'z-9')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      expect((await listSuppressions(rt.db, { q: 'zed' })).rows).toMatchObject([
        { email: 'zed.quill@example.com', reason: 'erased on request' },
      ]);
      expect((await customerDetail(rt.db, 'keep')).deliveries).toHaveLength(1);

      // The shop's next import brings them back: they are never mailed again.
      const dir = mkdtempSync(join(tmpdir(), 'rapport-erase-'));
      writeFileSync(
        join(dir, 'c.csv'),
        'id,email,birthday,timezone\nz-9,zed.quill@example.com,03-11,America/New_York\n',
      );
      expect((await cli(env, 'import', 'customers', join(dir, 'c.csv'))).code).toBe(0);
      const before = sink.messages.length;
      now = NOW + DAY;
      await runOnce(rt);
      expect(
        sink.messages.slice(before).some((m) => m.envelope.to.join().toLowerCase().includes('zed.quill')),
      ).toBe(false);
      expect((await customerDetail(rt.db, 'z-9')).deliveries[0]).toMatchObject({ status: 'suppressed' });
    } finally {
      await rt.close();
    }
  });
});
