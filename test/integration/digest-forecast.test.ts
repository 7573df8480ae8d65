/**
 * `simulate` for a weekly digest over several weeks, on SQLite and Postgres: a Monday with new
 * items since the customer's last digest is sent, one without is skipped with no-new-content.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { openTestRuntime } from '../support/runtime.js';
import { customer as record } from '../support/records.js';
import { upsertContent } from '../../src/db/content.js';
import { upsertCustomers, type CustomerInput } from '../../src/db/customers.js';
import { forecast, type ForecastLine } from '../../src/schedule/forecast.js';
import type { DbRuntime } from '../../src/runtime.js';

const T = (iso: string) => Date.parse(iso);
const NOW = T('2027-02-28T12:00:00Z');

const customer = (id: string): CustomerInput => record(id, { timezone: 'UTC' });

function post(id: string, at: string) {
  return { id, title: id, url: `https://corner.example/${id}`, summary: null, tags: [], published_at: T(at) };
}

describe.each(databases())('digest forecast on %s', (db) => {
  const url = db.fresh('test');
  let rt: DbRuntime | undefined;

  afterEach(async () => {
    await rt?.close();
    rt = undefined;
  });

  it('skips the Mondays with nothing new for that customer', async () => {
    rt = await openTestRuntime({
      databaseUrl: url(),
      smtpUrl: `file:${mkdtempSync(join(tmpdir(), 'rapport-out-'))}`,
      now: () => NOW,
    });
    await upsertCustomers(rt.db.knex, [customer('ann'), customer('ben')], T('2027-02-20T00:00:00Z'));
    await upsertContent(
      rt.db.knex,
      [
        post('before', '2027-02-25T10:00:00Z'),
        post('mid', '2027-03-10T10:00:00Z'),
        post('late', '2027-03-23T10:00:00Z'),
      ],
      NOW,
    );
    // Ben already had a digest after the first post.
    await rt.db.knex('deliveries').insert({
      automation_id: 'weekly-digest',
      customer_id: 'ben',
      occurrence: '2027-02-26T09:00',
      status: 'sent',
      trigger_at: T('2027-02-26T09:00:00Z'),
      due_at: T('2027-02-26T09:00:00Z'),
      available_at: T('2027-02-26T09:00:00Z'),
      sent_at: T('2027-02-26T09:00:05Z'),
      created_at: NOW,
      updated_at: NOW,
    });
    const lines: ForecastLine[] = [];
    await forecast(rt.db, rt.config, {
      from: T('2027-03-01T00:00:00Z'),
      to: T('2027-03-29T00:00:00Z'),
      useBooks: false,
      onLines: (page) => void lines.push(...page),
    });
    const digest = (id: string) =>
      lines
        .filter((l) => l.automation === 'weekly-digest' && l.customer_id === id)
        .map((l) => `${l.send_at.slice(0, 10)} ${l.outcome} ${l.reason ?? ''}`.trim());
    expect(digest('ann')).toEqual([
      '2027-03-01 send',
      '2027-03-08 skip no-new-content',
      '2027-03-15 send',
      '2027-03-22 skip no-new-content',
    ]);
    expect(digest('ben')).toEqual([
      '2027-03-01 skip no-new-content',
      '2027-03-08 skip no-new-content',
      '2027-03-15 send',
      '2027-03-22 skip no-new-content',
    ]);
  });
});
