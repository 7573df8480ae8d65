/**
 * The operator's side of bounces, through the CLI: returned mail read from files, the new
 * statuses in `deliveries` and `status`, suppressions explained, and lifting one with a reason.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { openTestRuntime, writeTestConfig } from '../support/runtime.js';
import { customer } from '../support/records.js';
import { bounceMail } from '../support/bounce-fixtures.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { runOnce } from '../../src/main.js';

const NOW = Date.parse('2027-03-10T15:00:00Z');
const SECRET = 'test-secret-0123456789abcdef0123456789';

describe('bounces and suppressions from the command line', () => {
  let sink: SmtpSink;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bounces-cli-'));

  beforeAll(async () => {
    sink = await startSmtpSink();
    const config = { bounces: { domain: 'bounces.corner.example' } };
    const databaseUrl = `sqlite:${join(dir, 'rapport.db')}`;
    env = {
      DATABASE_URL: databaseUrl,
      SMTP_URL: sink.url,
      RAPPORT_SECRET: SECRET,
      RAPPORT_CONFIG: writeTestConfig(config),
    };
    const rt = await openTestRuntime({ databaseUrl, smtpUrl: sink.url, now: () => NOW, config });
    await upsertCustomers(
      rt.db.knex,
      [customer('ann', { birthday: '03-10', timezone: 'America/New_York' })],
      NOW - 86_400_000,
    );
    await runOnce(rt);
    await rt.close();
  });
  afterAll(async () => {
    await sink.close();
  });

  it('bounces import acts on .eml files; deliveries, status and suppressions show it; suppress --remove lifts it with a reason', async () => {
    const m = sink.messages[0];
    const id = /X-Rapport-Message: (\d+)/.exec(m?.raw.toString('utf8') ?? '')?.[1] as string;
    const file = join(dir, 'bounce.eml');
    writeFileSync(
      file,
      bounceMail('postfix-hard', {
        verp: m?.envelope.from ?? '',
        rcpt: 'ann@example.com',
        id,
        messageId: m?.messageId ?? '',
      }),
    );

    const read = await cli(env, 'bounces', 'import', file);
    expect(read.code).toBe(0);
    expect(read.out).toContain(`hard: delivery ${id} (matched by verp); marked bounced, address suppressed`);
    expect((await cli(env, 'bounces', 'import', file)).out).toContain('already handled');

    const bounced = await cli(env, 'deliveries', '--status', 'bounced', '--json');
    expect(JSON.parse(bounced.out)).toMatchObject({
      id: Number(id),
      status: 'bounced',
      email: 'ann@example.com',
    });
    const status = JSON.parse((await cli(env, 'status', '--json')).out) as {
      deliveries: Record<string, number>;
    };
    expect(status.deliveries).toMatchObject({ bounced: 1, complained: 0, sent: 0 });

    const list = await cli(env, 'suppressions', '--json');
    expect(JSON.parse(list.out)).toMatchObject({
      email: 'ann@example.com',
      source: 'dsn',
      delivery_id: Number(id),
      date: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const lifted = await cli(
      env,
      'suppress',
      'ANN@example.com',
      '--remove',
      '--reason',
      'customer fixed the mailbox',
    );
    expect(lifted.out).toContain('ann@example.com is no longer suppressed');
    const history = (await cli(env, 'suppressions', 'ann@example.com', '--json')).out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(history).toMatchObject([
      { action: 'suppress', source: 'dsn', delivery_id: Number(id) },
      { action: 'lift', source: 'operator', reason: 'customer fixed the mailbox' },
    ]);
    expect((await cli(env, 'suppressions')).out).toContain('No suppressed addresses.');
  });
});
