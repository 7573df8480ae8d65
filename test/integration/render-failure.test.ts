/**
 * A template that cannot render never loses mail: the delivery goes back to pending with the
 * error, the rest of the batch is sent, and it goes out once the template is fixed.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { database } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { openTestRuntime, REPO } from '../support/runtime.js';
import { customer } from '../support/records.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { runOnce } from '../../src/main.js';

const NOW = Date.parse('2027-03-10T15:00:00Z');

describe('a template that does not render', () => {
  const url = database('sqlite').fresh('test');
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(() => sink.close());

  it('keeps the delivery pending with the error, sends the rest, and sends it after the fix', async () => {
    const templates = join(mkdtempSync(join(tmpdir(), 'rapport-tpl-')), 'templates');
    cpSync(join(REPO, 'templates'), templates, { recursive: true });
    const birthday = join(templates, 'birthday', 'html.hbs');
    const good = readFileSync(birthday, 'utf8');
    writeFileSync(birthday, '<p>{{#if customer.first_name}}never closed</p>\n');
    let now = NOW;
    const rt = await openTestRuntime({
      databaseUrl: url(),
      smtpUrl: sink.url,
      now: () => now,
      config: { templates: { dir: templates }, worker: { retry: { base: '1m', max: '1m' } } },
    });
    try {
      await upsertCustomers(
        rt.db.knex,
        [customer('ann', { birthday: '03-10', timezone: 'America/New_York' })],
        NOW - 86_400_000,
      );
      await upsertEvents(
        rt.db.knex,
        [{ id: 'o1', customer_id: 'ann', type: 'purchase', occurred_at: NOW - 2 * 3_600_000, data: {} }],
        NOW,
      );
      await runOnce(rt);
      const first = await listDeliveries(rt.db.knex, { customerId: 'ann' });
      expect(first.find((d) => d.automation_id === 'thank-you')?.status).toBe('sent');
      const held = first.find((d) => d.automation_id === 'birthday');
      expect(held).toMatchObject({ status: 'pending', attempts: 1 });
      expect(held?.error).toMatch(/birthday/);
      expect(sink.messages).toHaveLength(1);

      writeFileSync(birthday, good);
      now += 2 * 60_000;
      await runOnce(rt);
      const after = await listDeliveries(rt.db.knex, { customerId: 'ann', automationId: 'birthday' });
      expect(after[0]).toMatchObject({ status: 'sent', attempts: 2 });
      expect(sink.messages).toHaveLength(2);
    } finally {
      await rt.close();
    }
  });
});
