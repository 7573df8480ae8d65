/**
 * The bounce mailbox over IMAP, against a real Dovecot on 127.0.0.1: returned mail is acted on,
 * moved to Processed or Unrecognised and never deleted; a second run changes nothing; the
 * daemon reads the mailbox on its own.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { startDovecot, type RunningDovecot } from '../support/dovecot.js';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../support/smtp-sink.js';
import { openTestRuntime, writeTestConfig } from '../support/runtime.js';
import { customer } from '../support/records.js';
import { bounceMail, type BounceFixture } from '../support/bounce-fixtures.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { countSuppressions } from '../../src/db/consent.js';
import { countBounceEvents } from '../../src/db/bounces.js';
import { runOnce, startDaemon } from '../../src/main.js';
import type { DbRuntime } from '../../src/runtime.js';

const NOW = Date.parse('2027-03-10T15:00:00Z');
const SECRET = 'test-secret-0123456789abcdef0123456789';
const DOMAIN = 'bounces.corner.example';
const PEOPLE = ['ann', 'ben', 'cat', 'dan', 'eve'];

const dovecot: RunningDovecot | null = await startDovecot();
if (!dovecot) console.warn('Dovecot not installed (apt-get install dovecot-imapd): IMAP tests skipped');

describe.skipIf(dovecot === null)('the bounce mailbox over IMAP', () => {
  const imap = dovecot as RunningDovecot;
  let sink: SmtpSink;
  let rt: DbRuntime | undefined;
  let client: ImapFlow;

  beforeAll(async () => {
    sink = await startSmtpSink();
    client = new ImapFlow({
      host: '127.0.0.1',
      port: imap.port,
      secure: false,
      auth: { user: imap.user, pass: imap.pass },
      logger: false,
    });
    await client.connect();
  });
  afterAll(async () => {
    await client?.logout();
    await sink?.close();
    await imap.stop();
  });
  afterEach(async () => {
    await rt?.close();
    rt = undefined;
    sink.reset();
    // Every test starts from empty folders.
    for (const folder of ['INBOX', 'Processed', 'Unrecognised']) {
      const exists = (await client.list()).some((m) => m.path === folder);
      if (!exists) continue;
      const lock = await client.getMailboxLock(folder);
      try {
        await client.messageDelete('1:*');
      } finally {
        lock.release();
      }
    }
  });

  async function sendBirthdays(databaseUrl: string): Promise<void> {
    rt = await openTestRuntime({
      databaseUrl,
      smtpUrl: sink.url,
      now: () => NOW,
      config: { bounces: { domain: DOMAIN } },
    });
    const people = PEOPLE.map((id) => customer(id, { birthday: '03-10', timezone: 'America/New_York' }));
    await upsertCustomers(rt.db.knex, people, NOW - 86_400_000);
    await runOnce(rt);
    expect(sink.messages).toHaveLength(PEOPLE.length);
  }

  function bounceFor(fixture: BounceFixture, id: string): string {
    const m = sink.messages.find((s) => s.envelope.to.includes(`${id}@example.com`)) as SinkMessage;
    const header = /X-Rapport-Message: (\d+)/.exec(m.raw.toString('utf8'))?.[1] as string;
    return bounceMail(fixture, {
      verp: m.envelope.from,
      rcpt: `${id}@example.com`,
      id: header,
      messageId: m.messageId as string,
    });
  }

  async function count(folder: string): Promise<number> {
    // The folder this client has open would answer from its cache: hear the other session's moves first.
    await client.noop();
    const status = await client.status(folder, { messages: true });
    return status ? (status.messages ?? 0) : 0;
  }

  async function statuses(): Promise<Record<string, string>> {
    const books = await listDeliveries((rt as DbRuntime).db.knex, {});
    return Object.fromEntries(books.map((d) => [d.customer_id, d.status]));
  }

  const stranger =
    'From: Bob <bob@example.org>\r\nTo: bounces@corner.example\r\nSubject: Opening hours?\r\n\r\nAre you open on Sunday?\r\n';

  it('bounces process acts on each message once, moves it to Processed or Unrecognised, deletes nothing', async () => {
    const databaseUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'rapport-imap-')), 'rapport.db')}`;
    await sendBirthdays(databaseUrl);
    const mails: string[] = [
      bounceFor('postfix-hard', 'ann'),
      bounceFor('exim-soft', 'ben'),
      bounceFor('postfix-delayed', 'cat'),
      bounceFor('arf-abuse', 'dan'),
      bounceFor('auto-reply', 'eve'),
      stranger,
      'this is not a message at all',
    ];
    for (const raw of mails) await client.append('INBOX', raw);
    const env = {
      DATABASE_URL: databaseUrl,
      SMTP_URL: sink.url,
      RAPPORT_SECRET: SECRET,
      RAPPORT_CONFIG: writeTestConfig({ bounces: { domain: DOMAIN } }),
      RAPPORT_BOUNCES_IMAP_URL: imap.url,
    };
    const first = await cli(env, 'bounces', 'process');
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toContain('5 processed (moved to Processed), 2 unrecognised (moved to Unrecognised)');
    expect([await count('INBOX'), await count('Processed'), await count('Unrecognised')]).toEqual([0, 5, 2]);
    expect(await statuses()).toEqual({
      ann: 'bounced',
      ben: 'bounced',
      cat: 'sent',
      dan: 'complained',
      eve: 'sent',
    });
    const knex = (rt as DbRuntime).db.knex;
    expect(await countSuppressions(knex)).toBe(2);

    // Run twice: nothing left to do. Put the reports back (as after a crash before the move): recognised, nothing changes.
    expect((await cli(env, 'bounces', 'process')).out).toContain('0 processed');
    const lock = await client.getMailboxLock('Processed');
    try {
      await client.messageMove('1:*', 'INBOX');
    } finally {
      lock.release();
    }
    const events = await countBounceEvents(knex);
    expect((await cli(env, 'bounces', 'process')).out).toContain('5 processed');
    expect(await countBounceEvents(knex)).toEqual(events);
    expect(await countSuppressions(knex)).toBe(2);
    expect([await count('INBOX'), await count('Processed'), await count('Unrecognised')]).toEqual([0, 5, 2]);
  });

  it('bounces process without a mailbox configured says what to set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-imap-'));
    const env = {
      DATABASE_URL: `sqlite:${join(dir, 'r.db')}`,
      SMTP_URL: `file:${dir}`,
      RAPPORT_SECRET: SECRET,
      RAPPORT_CONFIG: writeTestConfig(),
    };
    const run = await cli(env, 'bounces', 'process');
    expect(run.code).toBe(1);
    expect(run.err).toContain('RAPPORT_BOUNCES_IMAP_URL');
  });

  it('the daemon reads the mailbox every poll', async () => {
    const databaseUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'rapport-imap-')), 'rapport.db')}`;
    await sendBirthdays(databaseUrl);
    await client.append('INBOX', bounceFor('gmail-hard', 'ann'));
    await (rt as DbRuntime).close();
    rt = await openTestRuntime({
      databaseUrl,
      smtpUrl: sink.url,
      now: () => NOW,
      config: {
        bounces: { domain: DOMAIN, imap: { url: imap.url, poll: '1s' } },
        http: { listen: '127.0.0.1:0' },
      },
    });
    const daemon = await startDaemon(rt);
    try {
      for (const deadline = Date.now() + 20_000; (await statuses()).ann !== 'bounced';) {
        if (Date.now() > deadline) throw new Error('the daemon did not read the bounce mailbox');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await client.append('INBOX', bounceFor('sendmail-hard', 'ben'));
      for (const deadline = Date.now() + 20_000; (await statuses()).ben !== 'bounced';) {
        if (Date.now() > deadline) throw new Error('the daemon did not read the mailbox again');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await daemon.stop();
      rt = undefined;
    }
    expect(await count('Processed')).toBe(2);
  });
});
