/**
 * Every sent message records what it was rendered with — template version, requested and
 * resolved locale, subject, SHA-256 of the MIME the relay got — and `rapport message` shows
 * those exact bytes. The customer's locale picks the variant: exact, base language, default.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { openTestRuntime, REPO, writeTestConfig } from '../support/runtime.js';
import { customer } from '../support/records.js';
import { cli } from '../support/cli.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { runOnce } from '../../src/main.js';

// 15:00Z: 10:00 in New York, after the 09:00 birthday send time.
const NOW = Date.parse('2027-03-10T15:00:00Z');
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function templatesWithVariants(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'rapport-tpl-')), 'templates');
  cpSync(join(REPO, 'templates'), dir, { recursive: true });
  const variant = (locale: string, subject: string, html: string) => {
    mkdirSync(join(dir, 'birthday', locale), { recursive: true });
    writeFileSync(join(dir, 'birthday', locale, 'subject.hbs'), subject);
    writeFileSync(join(dir, 'birthday', locale, 'html.hbs'), html);
  };
  variant('de', 'Alles Gute, {{customer.first_name}}!', '<p>Gutschein: {{formatMoney 1234.5 "EUR"}}</p>');
  variant('pt', 'Feliz aniversário, {{customer.first_name}}!', '<p>Cupom: {{formatMoney 1234.5 "EUR"}}</p>');
  return dir;
}

describe.each(databases())('what each message was rendered with (%s)', (db) => {
  const url = db.fresh('test');
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(() => sink.close());

  it('picks the variant by locale, records it, and shows the exact bytes the relay got', async () => {
    const dir = templatesWithVariants();
    const config = { templates: { dir } };
    const rt = await openTestRuntime({ databaseUrl: url(), smtpUrl: sink.url, now: () => NOW, config });
    try {
      const born = { birthday: '1990-03-10', timezone: 'America/New_York' };
      await upsertCustomers(
        rt.db.knex,
        [
          customer('ann', { ...born, locale: 'de-AT' }),
          customer('bia', { ...born, locale: 'pt-BR' }),
          customer('cec', { ...born, locale: 'fr-FR' }),
          // Stored directly: the import would refuse it.
          customer('dan', { ...born, locale: 'xx_!!' }),
          customer('eve', { ...born }),
        ],
        NOW - 86_400_000,
      );
      await runOnce(rt);
      const rows = await listDeliveries(rt.db.knex, { automationId: 'birthday' });
      const by = new Map(rows.map((r) => [r.customer_id, r]));
      const expectRow = (id: string, requested: string | null, resolved: string, subject: string) =>
        expect(by.get(id)).toMatchObject({
          status: 'sent',
          template: 'birthday',
          template_version: 1,
          requested_locale: requested,
          resolved_locale: resolved,
          subject,
        });
      expectRow('ann', 'de-AT', 'de', 'Alles Gute, ann!');
      expectRow('bia', 'pt-BR', 'pt', 'Feliz aniversário, bia!');
      expectRow('cec', 'fr-FR', 'en-US', 'Happy birthday, cec!');
      expectRow('dan', 'xx_!!', 'en-US', 'Happy birthday, dan!');
      expectRow('eve', null, 'en-US', 'Happy birthday, eve!');

      const parsed = await sink.parsed();
      const html = (to: string) => parsed.find((m) => m.to && JSON.stringify(m.to).includes(to))?.html;
      // Money in the resolved locale's format.
      expect(html('ann@example.com')).toContain('1.234,50');
      expect(html('bia@example.com')).toContain('1.234,50');

      const env = {
        RAPPORT_CONFIG: writeTestConfig(config),
        DATABASE_URL: url(),
        SMTP_URL: sink.url,
        RAPPORT_SECRET: 'test-secret-0123456789abcdef0123456789',
        RAPPORT_LOG_LEVEL: 'silent',
      };
      for (const row of rows) {
        const received = sink.messages.find((m) => m.messageId === row.message_id);
        expect(received).toBeDefined();
        expect(row.mime_sha256).toBe(sha(received!.raw));
        const raw = await cli(env, 'message', String(row.id), '--raw');
        expect(raw.code).toBe(0);
        expect(sha(raw.out)).toBe(sha(received!.raw));
      }
      const json = await cli(env, 'message', String(by.get('ann')!.id), '--json');
      expect(JSON.parse(json.out)).toMatchObject({
        template: 'birthday',
        resolved_locale: 'de',
        mime_sha256: by.get('ann')!.mime_sha256,
      });
      const shown = await cli(env, 'message', String(by.get('ann')!.id));
      expect(shown.out).toContain('template  birthday v1');
      const lines = (await cli(env, 'deliveries', '--json', '--automation', 'birthday')).out
        .trim()
        .split('\n');
      expect(JSON.parse(lines[0]!)).toMatchObject({
        template: 'birthday',
        template_version: 1,
        reason: null,
      });
      expect((await cli(env, 'message', '999')).code).toBe(1);
      expect((await cli(env, 'message', 'abc')).code).toBe(2);
    } finally {
      await rt.close();
    }
  });
});
