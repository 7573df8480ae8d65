// The SMTP connection pool against a real SMTP server on 127.0.0.1: reuse, refusals, dropped
// connections (retried only when nothing was sent), auth, outages, idling and shutdown.
import { Readable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createMailer, type OutgoingMessage } from '../../src/deliver/mailer.js';
import { classifySmtpError } from '../../src/deliver/smtp-errors.js';
import { SmtpPool } from '../../src/deliver/smtp-pool.js';
import { startSmtpSink, useSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const sink = useSmtpSink();
const pools: SmtpPool[] = [];

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

function poolFor(
  target: SmtpSink,
  o: { size?: number; idleMs?: number; closeTimeoutMs?: number; sendTimeoutMs?: number } = {},
): SmtpPool {
  const pool = new SmtpPool({
    connection: { host: '127.0.0.1', port: target.port, ignoreTLS: true },
    size: o.size ?? 3,
    idleMs: o.idleMs ?? 60_000,
    closeTimeoutMs: o.closeTimeoutMs ?? 1_000,
    ...(o.sendTimeoutMs === undefined ? {} : { sendTimeoutMs: o.sendTimeoutMs }),
  });
  pools.push(pool);
  return pool;
}

function messageTo(to: string, n = 0): () => Readable {
  const raw = `From: shop@example.test\r\nTo: ${to}\r\nSubject: n${n}\r\nMessage-ID: <m${n}@example.test>\r\n\r\nbody ${n}\r\n`;
  return () => Readable.from([Buffer.from(raw)]);
}

const envelope = (to: string) => ({ from: 'shop@example.test', to: [to] });

async function settle<T>(
  p: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: Error & Record<string, unknown> }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error: error as Error & Record<string, unknown> };
  }
}

describe('SmtpPool', () => {
  it('sends many messages at once over at most `size` connections, each message once', async () => {
    const pool = poolFor(sink(), { size: 3 });
    const infos = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        pool.send(envelope(`c${i}@example.test`), messageTo(`c${i}@example.test`, i)),
      ),
    );
    expect(infos.every((info) => info.response.startsWith('250'))).toBe(true);
    expect(sink().messages).toHaveLength(40);
    expect([...sink().countByMessageId().values()].every((n) => n === 1)).toBe(true);
    expect(sink().connections.total).toBeLessThanOrEqual(3);
    expect(pool.openConnections).toBeLessThanOrEqual(3);
  });

  it('keeps the connection after a refused recipient or message (RSET), and reports the refusal as is', async () => {
    const pool = poolFor(sink(), { size: 1 });
    await pool.send(envelope('first@example.test'), messageTo('first@example.test', 1));
    sink().rejectRecipient('gone@example.test', 550, '5.1.1 No such user');
    const refused = await settle(pool.send(envelope('gone@example.test'), messageTo('gone@example.test', 2)));
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.responseCode).toBe(550);
      expect(classifySmtpError(refused.error).kind).toBe('address-rejected');
    }
    sink().failData(451, 1, '4.3.0 Try again later');
    const deferred = await settle(
      pool.send(envelope('later@example.test'), messageTo('later@example.test', 3)),
    );
    expect(deferred.ok || classifySmtpError(deferred.error).kind).toBe('temporary');
    await pool.send(envelope('after@example.test'), messageTo('after@example.test', 4));
    expect(sink().messages.map((m) => m.envelope.to[0])).toEqual([
      'first@example.test',
      'after@example.test',
    ]);
    expect(sink().connections.total).toBe(1);
  });

  it('a connection the server dropped before the message was sent: the message goes once over a fresh one', async () => {
    const pool = poolFor(sink(), { size: 1 });
    await pool.send(envelope('a@example.test'), messageTo('a@example.test', 1));
    sink().dropAtMailFrom(1);
    const info = await pool.send(envelope('b@example.test'), messageTo('b@example.test', 2));
    expect(info.response).toMatch(/^250/);
    expect(sink().stats.droppedAtMailFrom).toBe(1);
    expect(sink().messages.map((m) => m.envelope.to[0])).toEqual(['a@example.test', 'b@example.test']);
    expect(sink().connections.total).toBe(2);
  });

  it('a reused connection answered 421 at MAIL FROM: the message goes once over a new connection', async () => {
    const pool = poolFor(sink(), { size: 2 });
    await pool.send(envelope('a@example.test'), messageTo('a@example.test', 1));
    sink().failMailFrom(421, 1, '4.4.2 Closing idle connection');
    const info = await pool.send(envelope('b@example.test'), messageTo('b@example.test', 2));
    expect(info.response).toMatch(/^250/);
    expect(sink().messages.map((m) => m.envelope.to[0])).toEqual(['a@example.test', 'b@example.test']);
    expect(sink().connections.total).toBe(2);
  });

  it('a 421 again on the retry reaches the caller as a slow-down, and the pool still works', async () => {
    const pool = poolFor(sink(), { size: 1 });
    await pool.send(envelope('a@example.test'), messageTo('a@example.test', 1));
    sink().failMailFrom(421, 2, '4.7.0 Too many messages, slow down');
    const refused = await settle(pool.send(envelope('b@example.test'), messageTo('b@example.test', 2)));
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(classifySmtpError(refused.error)).toMatchObject({
        kind: 'temporary',
        slowDown: true,
        code: 421,
      });
    await pool.send(envelope('c@example.test'), messageTo('c@example.test', 3));
    expect(sink().messages.map((m) => m.envelope.to[0])).toEqual(['a@example.test', 'c@example.test']);
  });

  it('a connection dropped mid-message is not retried: the caller gets a temporary failure to schedule', async () => {
    const pool = poolFor(sink(), { size: 1 });
    await pool.send(envelope('a@example.test'), messageTo('a@example.test', 1));
    sink().dropNext(1);
    const dropped = await settle(pool.send(envelope('b@example.test'), messageTo('b@example.test', 2)));
    expect(dropped.ok).toBe(false);
    if (!dropped.ok)
      expect(classifySmtpError(dropped.error)).toMatchObject({ kind: 'temporary', systemic: true });
    expect(sink().stats.dropped).toBe(1);
    // One try only, and the pool is fine afterwards.
    await pool.send(envelope('c@example.test'), messageTo('c@example.test', 3));
    expect(sink().messages.map((m) => m.envelope.to[0])).toEqual(['a@example.test', 'c@example.test']);
  });

  it('a first send on a fresh connection that is dropped is not retried either', async () => {
    const pool = poolFor(sink(), { size: 1 });
    sink().dropAtMailFrom(1);
    const dropped = await settle(pool.send(envelope('a@example.test'), messageTo('a@example.test', 1)));
    expect(dropped.ok).toBe(false);
    expect(sink().messages).toHaveLength(0);
  });

  it('fails with a connection error while the server is down, and recovers when it is back', async () => {
    const down = await startSmtpSink();
    const port = down.port;
    await down.close();
    // One connection at most: a slot lost to a failed connect would hang the sends that follow.
    const pool = poolFor(down, { size: 1 });
    for (let i = 0; i < 3; i++) {
      const refused = await settle(pool.send(envelope('a@example.test'), messageTo('a@example.test', 1)));
      expect(refused.ok).toBe(false);
      if (!refused.ok)
        expect(classifySmtpError(refused.error)).toMatchObject({ kind: 'temporary', systemic: true });
    }
    expect(pool.openConnections).toBe(0);
    const back = await startSmtpSink({ port });
    try {
      await pool.send(envelope('a@example.test'), messageTo('a@example.test', 1));
      expect(back.messages).toHaveLength(1);
    } finally {
      await pool.close();
      await back.close();
    }
  });

  it('says QUIT on a connection idle for idleMs; the next message opens a new one', async () => {
    const pool = poolFor(sink(), { size: 2, idleMs: 50 });
    await pool.send(envelope('a@example.test'), messageTo('a@example.test', 1));
    expect(pool.openConnections).toBe(1);
    await waitFor(() => pool.openConnections === 0 && sink().connections.open === 0);
    await pool.send(envelope('b@example.test'), messageTo('b@example.test', 2));
    expect(sink().connections.total).toBe(2);
  });

  it('close(): a send in flight finishes, later sends fail, and the connections QUIT', async () => {
    const pool = poolFor(sink(), { size: 2 });
    await pool.send(envelope('a@example.test'), messageTo('a@example.test', 1));
    const inFlight = pool.send(envelope('b@example.test'), messageTo('b@example.test', 2));
    const closing = pool.close();
    expect((await inFlight).response).toMatch(/^250/);
    await closing;
    const after = await settle(pool.send(envelope('c@example.test'), messageTo('c@example.test', 3)));
    expect(after.ok).toBe(false);
    if (!after.ok) expect(after.error.message).toMatch(/pool is closed/);
    expect(sink().messages.map((m) => m.envelope.to[0])).toEqual(['a@example.test', 'b@example.test']);
    expect(pool.openConnections).toBe(0);
    await waitFor(() => sink().connections.open === 0);
  });

  it('close(): a send whose reply never comes is cut off after closeTimeoutMs instead of hanging', async () => {
    const pool = poolFor(sink(), { size: 2, closeTimeoutMs: 200 });
    await pool.send(envelope('a@example.test'), messageTo('a@example.test', 1));
    sink().stallNext(1);
    const stalled = settle(pool.send(envelope('b@example.test'), messageTo('b@example.test', 2)));
    // Long enough for the message to be out and waiting for the reply that never comes.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await pool.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    const outcome = await stalled;
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.message).toMatch(/closed while sending/);
    expect(pool.openConnections).toBe(0);
    await waitFor(() => sink().connections.open === 0);
  });
});

describe('SmtpPool send timeout (smtp.timeout)', () => {
  it('cuts off a send still unanswered at the deadline, on a reused connection too, and never retries it', async () => {
    const pool = poolFor(sink(), { size: 1, sendTimeoutMs: 300 });
    await pool.send(envelope('a@example.test'), messageTo('a@example.test', 1));
    sink().stallNext(1);
    const started = Date.now();
    const outcome = await settle(pool.send(envelope('b@example.test'), messageTo('b@example.test', 2)));
    const took = Date.now() - started;
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error.message).toMatch(/no answer from the relay within 300 ms \(smtp\.timeout\)/);
      expect(classifySmtpError(outcome.error)).toMatchObject({ kind: 'temporary', systemic: true });
    }
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(2_000);
    await waitFor(() => sink().connections.open === 0);
    // The pool goes on over a new connection.
    await pool.send(envelope('c@example.test'), messageTo('c@example.test', 3));
    expect(sink().messages.map((m) => m.envelope.to[0])).toEqual(['a@example.test', 'c@example.test']);
  });
});

describe('the SMTP mailer over the pool', () => {
  const message = (address: string): OutgoingMessage => ({
    from: 'Shop <shop@example.test>',
    to: { name: 'Ada', address },
    subject: 'Thank you',
    text: 'Thanks!',
    html: '<p>Thanks!</p>',
    messageId: '<k1@example.test>',
    headers: { 'Auto-Submitted': 'auto-generated' },
    date: new Date('2026-03-01T10:00:00Z'),
  });

  it('logs in with the credentials in SMTP_URL, and a wrong password pauses sending (it is about us, not the message)', async () => {
    const secured = await startSmtpSink({ auth: { user: 'shop', pass: 's3cret' } });
    const good = createMailer(`smtp://shop:s3cret@127.0.0.1:${secured.port}`, { poolSize: 1 });
    const bad = createMailer(`smtp://shop:wrong@127.0.0.1:${secured.port}`, { poolSize: 1 });
    try {
      await good.send(message('ada@example.test'));
      expect(secured.messages).toHaveLength(1);
      // Twice over a pool of one: a failed login must give its slot back.
      for (let i = 0; i < 2; i++) {
        const failed = await settle(bad.send(message('bob@example.test')));
        expect(failed.ok).toBe(false);
        if (!failed.ok)
          expect(classifySmtpError(failed.error)).toMatchObject({
            kind: 'sender-refused',
            stage: 'session',
            code: 535,
          });
      }
      expect(secured.messages).toHaveLength(1);
    } finally {
      await good.close();
      await bad.close();
      await secured.close();
    }
  });

  it('upgrades with STARTTLS as SMTP_URL says, and refuses a certificate it cannot verify', async () => {
    const sessions: boolean[] = [];
    // STARTTLS with the server's built-in self-signed certificate.
    const server = new SMTPServer({
      disableReverseLookup: true,
      authOptional: true,
      logger: false,
      onData(stream, session, callback) {
        stream.resume();
        stream.once('end', () => {
          sessions.push(session.secure);
          callback();
        });
      },
    });
    server.on('error', () => {});
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.server.address() as { port: number }).port)),
    );
    const lenient = createMailer(`smtp://127.0.0.1:${port}?requireTLS=true&tls.rejectUnauthorized=false`, {
      poolSize: 1,
    });
    const strict = createMailer(`smtp://127.0.0.1:${port}?requireTLS=true`, { poolSize: 1 });
    try {
      await lenient.send(message('ada@example.test'));
      expect(sessions).toEqual([true]);
      const refused = await settle(strict.send(message('bob@example.test')));
      expect(refused.ok).toBe(false);
      if (!refused.ok)
        expect(classifySmtpError(refused.error)).toMatchObject({ kind: 'temporary', systemic: true });
      expect(sessions).toEqual([true]);
    } finally {
      await lenient.close();
      await strict.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses a proxy in SMTP_URL rather than ignoring it', () => {
    expect(() =>
      createMailer('smtp://127.0.0.1:2525?proxy=socks5://127.0.0.1:1080', { poolSize: 1 }),
    ).toThrow(/proxy option is not supported/);
  });

  it('refuses to send without auth where the server requires it', async () => {
    const secured = await startSmtpSink({ auth: { user: 'shop', pass: 's3cret' } });
    const anonymous = createMailer(`smtp://127.0.0.1:${secured.port}`, { poolSize: 1 });
    try {
      const failed = await settle(anonymous.send(message('ada@example.test')));
      expect(failed.ok).toBe(false);
      if (!failed.ok)
        expect(classifySmtpError(failed.error)).toMatchObject({
          kind: 'sender-refused',
          stage: 'MAIL FROM',
          code: 530,
        });
      expect(secured.messages).toHaveLength(0);
    } finally {
      await anonymous.close();
      await secured.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
