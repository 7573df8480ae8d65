/**
 * One inbox, one copy, on both databases: records that share an address (any letter case) are
 * named by the import with their lines; a date or schedule occurrence goes to the address once
 * (the lowest id the rule would mail), the other rows `skipped` as `duplicate-address` — in the
 * forecast, in the planner, and at claim time, however many workers claim at once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimAddresses } from '../../src/db/address-claims.js';
import { openDatabase } from '../../src/db/connect.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { migrate } from '../../src/db/migrations.js';
import { runOnce } from '../../src/main.js';
import { forecast, type ForecastLine } from '../../src/schedule/forecast.js';
import { cli } from '../support/cli.js';
import { databases } from '../support/databases.js';
import { customer } from '../support/records.js';
import { openTestRuntime, writeTestConfig } from '../support/runtime.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

// Wednesday 2027-03-10 15:00 UTC: 10:00 in New York, an hour after the rules' 09:00.
const NOW = Date.parse('2027-03-10T15:00:00Z');
const HOUR = 3_600_000;
const CONFIG = {
  sending: { window: undefined, frequency_cap: undefined, max_lateness: '24h' },
  automations: [
    { id: 'holiday', on: { date: '03-10', at: '09:00' }, where: { tags: ['news'] }, template: 'holiday' },
    { id: 'weekly', on: { schedule: '0 9 * * 3' }, template: 'holiday' },
    { id: 'birthday', on: { birthday: true, at: '09:00' }, template: 'birthday' },
  ],
};
const NY = { timezone: 'America/New_York' };

const PEOPLE =
  'id,email,tags,birthday,timezone\n' +
  'a0,Pat@example.com,,,America/New_York\n' +
  'a1,pat@example.com,news,03-10,America/New_York\n' +
  'a2,PAT@example.com,news,03-10,America/New_York\n' +
  'b1,bob@example.com,news,,America/New_York\n';

function env(databaseUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-shared-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const vars = {
    RAPPORT_CONFIG: writeTestConfig(CONFIG),
    DATABASE_URL: databaseUrl,
    SMTP_URL: `file:${join(dir, 'outbox')}`,
    RAPPORT_SECRET: 'shared-test-secret-0123456789abcdef0123',
    RAPPORT_LOG_LEVEL: 'silent',
  };
  return { vars, file };
}

describe.each(databases())('one copy per inbox on %s', (db) => {
  const url = db.fresh('test');
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });

  it('names shared addresses on import, skips the others in the forecast and sends one copy', async () => {
    const { vars, file } = env(url());
    const run = await cli(vars, 'import', 'customers', file('people.csv', PEOPLE));
    expect(run.code).toBe(0);
    expect(run.out).toContain('line 3: email: same address as line 2 (customer "a0")');
    expect(run.out).toContain('line 4: email: same address as line 2 (customer "a0")');
    const more = await cli(
      vars,
      'import',
      'customers',
      file('more.csv', 'id,email,timezone\na9,pAt@example.com,America/New_York\n'),
    );
    expect(more.out).toContain('line 2: email: same address as stored customer "a0", "a1", "a2"');

    const rt = await openTestRuntime({
      databaseUrl: url(),
      smtpUrl: sink.url,
      now: () => NOW,
      config: CONFIG,
    });
    try {
      const lines: ForecastLine[] = [];
      await forecast(rt.db, rt.config, {
        from: NOW - 2 * HOUR,
        to: NOW,
        useBooks: false,
        onLines: (l) => void lines.push(...l),
      });
      const outcome = Object.fromEntries(
        lines.map((l) => [`${l.automation}/${l.customer_id}`, l.reason ?? 'send']),
      );
      expect(outcome).toEqual({
        // The holiday is for tagged records: a0 is not one, so a1 gets the address's copy.
        'holiday/a1': 'send',
        'holiday/a2': 'duplicate-address',
        'holiday/b1': 'send',
        'weekly/a0': 'send',
        'weekly/a1': 'duplicate-address',
        'weekly/a2': 'duplicate-address',
        'weekly/a9': 'duplicate-address',
        'weekly/b1': 'send',
        // Birthdays are a person's own: two people sharing an inbox both get theirs.
        'birthday/a1': 'send',
        'birthday/a2': 'send',
      });

      const before = sink.messages.length;
      await runOnce(rt);
      const books = await listDeliveries(rt.db.knex, {});
      const status = Object.fromEntries(
        books.map((d) => [`${d.automation_id}/${d.customer_id}`, d.reason ?? d.status]),
      );
      expect(status).toEqual({ ...outcome, ...sentFor(outcome) });
      const toPat = sink.messages
        .slice(before)
        .filter((m) => m.envelope.to.some((t) => t.toLowerCase() === 'pat@example.com'));
      expect(toPat).toHaveLength(4); // one holiday, one weekly, two birthdays
    } finally {
      await rt.close();
    }
  });

  it('skips at claim time a row planned before its record came to share an address', async () => {
    const rt = await openTestRuntime({
      databaseUrl: url(),
      smtpUrl: sink.url,
      now: () => NOW,
      config: CONFIG,
    });
    // 08:50 in New York: the 09:00 rows are inside the planning horizon, not yet due.
    const early = { ...rt, now: () => NOW - 70 * 60_000 };
    try {
      await upsertCustomers(rt.db.knex, [customer('k1', NY), customer('k2', NY)], NOW - 48 * HOUR);
      await runOnce(early); // plans the 09:00 rows, sends nothing yet
      expect((await listDeliveries(rt.db.knex, { status: 'pending' })).length).toBe(2);
      await upsertCustomers(rt.db.knex, [customer('k2', { ...NY, email: 'K1@example.com' })], NOW - HOUR);
      const before = sink.messages.length;
      await runOnce(rt);
      const books = await listDeliveries(rt.db.knex, { automationId: 'weekly' });
      expect(books.map((d) => [d.customer_id, d.status, d.reason])).toEqual([
        ['k1', 'sent', null],
        ['k2', 'skipped', 'duplicate-address'],
      ]);
      expect(sink.messages.length - before).toBe(1);
    } finally {
      await rt.close();
    }
  });

  it('lets one delivery hold an address for an occurrence, however many claim it at once', async () => {
    const first = openDatabase(url());
    await migrate(first.knex);
    const others = [openDatabase(url()), openDatabase(url())];
    try {
      const claim = (knex: typeof first.knex, deliveryId: number) =>
        claimAddresses(
          knex,
          [
            {
              automationId: 'weekly',
              occurrence: '2027-03-10T09:00',
              emailKey: 'pat@example.com',
              deliveryId,
            },
          ],
          NOW,
        );
      const results = await Promise.all([
        claim(first.knex, 1),
        ...others.map((o, i) => claim(o.knex, i + 2)),
      ]);
      const owners = new Set(results.flatMap((r) => [...r]));
      expect(owners.size).toBe(1);
      // The holder keeps it on a later attempt (a retry, or a re-claim after a crash).
      const holder = [...owners][0] as number;
      expect([...(await claim(first.knex, holder))]).toEqual([holder]);
    } finally {
      await Promise.all([first, ...others].map((d) => d.close()));
    }
  });
});

/** Sends in the books read as 'sent' where the forecast said 'send'. */
function sentFor(outcome: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(outcome).flatMap(([k, v]) => (v === 'send' ? [[k, 'sent']] : [])));
}
