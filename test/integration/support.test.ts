// Self-test of the test infrastructure: the SMTP sink, the run's Postgres and the per-test databases.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import { databases } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

describe('smtp sink', () => {
  let sink: SmtpSink;
  let transport: ReturnType<typeof createTransport>;

  function createTransport(url: string) {
    return nodemailer.createTransport({
      url,
      pool: true,
      ignoreTLS: true,
      tls: { rejectUnauthorized: false },
    });
  }

  const send = (to: string, subject = 'hello') =>
    transport.sendMail({ from: 'shop@example.test', to, subject, text: `${subject} body` });

  beforeAll(async () => {
    sink = await startSmtpSink();
    transport = createTransport(sink.url);
  });
  afterEach(() => {
    sink.clearFaults();
    sink.reset();
  });
  afterAll(async () => {
    transport.close();
    await sink.close();
  });

  it('records an accepted message with its envelope and counts it by Message-ID', async () => {
    const info = await send('ada@example.test', 'thank you');
    const [message] = await sink.waitForMessages(1);
    expect(message?.envelope).toEqual({ from: 'shop@example.test', to: ['ada@example.test'] });
    expect(message?.messageId).toBe(info.messageId);
    expect(sink.countByMessageId()).toEqual(new Map([[info.messageId, 1]]));
    const [parsed] = await sink.parsed();
    expect(parsed?.subject).toBe('thank you');
  });

  it('answers a rejected recipient with the chosen code', async () => {
    sink.rejectRecipient('gone@example.test', 550);
    sink.rejectRecipient(/@busy\.test$/, 451);
    await expect(send('gone@example.test')).rejects.toMatchObject({ responseCode: 550 });
    await expect(send('x@busy.test')).rejects.toMatchObject({ responseCode: 451 });
    expect(sink.stats.rejectedRecipients).toBe(2);
    expect(sink.messages).toHaveLength(0);
  });

  it('fails DATA for the next N messages, then accepts again', async () => {
    sink.failData(451, 1);
    await expect(send('ada@example.test')).rejects.toMatchObject({ responseCode: 451 });
    await send('ada@example.test');
    expect(sink.stats.failedData).toBe(1);
    expect(sink.messages).toHaveLength(1);
  });

  it('drops the connection mid-DATA without recording the message', async () => {
    // A plain (unpooled) transport surfaces the cut; the pool would quietly requeue the message.
    const single = nodemailer.createTransport({ url: sink.url, ignoreTLS: true });
    sink.dropNext(1);
    const mail = { from: 'shop@example.test', to: 'ada@example.test', text: 'x'.repeat(100_000) };
    await expect(single.sendMail(mail)).rejects.toThrow();
    await single.sendMail(mail);
    expect(sink.stats.dropped).toBe(1);
    expect(sink.messages).toHaveLength(1);
    single.close();
  });

  it('reports how many messages arrived when waiting times out', async () => {
    await send('ada@example.test');
    await expect(sink.waitForMessages(3, 50)).rejects.toThrow('expected 3 messages within 50 ms, got 1');
  });
});

describe.skipIf(inject('postgresUrl') === null)('run Postgres server', () => {
  it('answers select 1', async () => {
    const db = openDatabase(inject('postgresUrl') ?? '');
    try {
      const result = await db.knex.raw<{ rows: Array<{ one: number }> }>('select 1 as one');
      expect(result.rows).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });
});

describe.each(databases())('fresh %s database', (db) => {
  const url = db.fresh('test');
  const seen: string[] = [];

  it('is new, writable and usable', async () => {
    seen.push(url());
    if (db.name === 'sqlite') expect(existsSync(url().slice('sqlite:'.length))).toBe(false);
    const conn = openDatabase(url());
    try {
      await conn.knex.schema.createTable('marker', (t) => t.integer('n'));
      await conn.knex('marker').insert({ n: 1 });
      expect(await conn.knex('marker').select('n')).toEqual([{ n: 1 }]);
    } finally {
      await conn.close();
    }
    if (db.name === 'sqlite') expect(existsSync(url().slice('sqlite:'.length))).toBe(true);
  });

  it('does not see what the previous test wrote', async () => {
    expect(seen).not.toContain(url());
    if (db.name === 'sqlite') expect(seen.map((u) => dirname(u))).not.toContain(dirname(url()));
    const conn = openDatabase(url());
    try {
      expect(await conn.knex.schema.hasTable('marker')).toBe(false);
    } finally {
      await conn.close();
    }
  });
});
