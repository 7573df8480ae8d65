/**
 * A real SMTP server on 127.0.0.1 that records what it accepts and can be told, at any moment,
 * to refuse recipients, fail messages at the end of DATA, or drop the connection mid-DATA.
 * No TLS and no required auth; send to it with a pooled nodemailer transport and `ignoreTLS: true`.
 */
import type { Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerDataStream,
  type SMTPServerError,
  type SMTPServerSession,
} from 'smtp-server';

export interface SinkMessage {
  raw: Buffer;
  envelope: { from: string; to: string[] };
  /** The Message-ID header as written, angle brackets included (as nodemailer's `info.messageId`). */
  messageId: string | null;
  receivedAt: Date;
}

/** How many times each injected fault has fired. */
export interface SinkFaultStats {
  rejectedRecipients: number;
  failedData: number;
  dropped: number;
  /** Connections dropped on MAIL FROM, before a byte of the message was sent. */
  droppedAtMailFrom: number;
  /** MAIL FROM commands answered with the reply set by `failMailFrom`. */
  refusedAtMailFrom: number;
}

export interface SmtpSinkOptions {
  /** Largest accepted message in bytes; default 100 MB. */
  size?: number;
  /** Port to listen on (default: any free one), e.g. to bring a closed sink back where it was. */
  port?: number;
  /** Require AUTH with exactly these credentials (default: AUTH optional, any credentials pass). */
  auth?: { user: string; pass: string };
}

export interface SmtpSink {
  /** smtp://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** Accepted messages, in order of acceptance. */
  readonly messages: readonly SinkMessage[];
  readonly stats: Readonly<SinkFaultStats>;
  countByMessageId(): Map<string, number>;
  parsed(): Promise<ParsedMail[]>;
  /** Resolves with all messages once at least n were accepted; rejects after timeoutMs. */
  waitForMessages(n: number, timeoutMs?: number): Promise<readonly SinkMessage[]>;
  /** Answer RCPT TO with `code` for matching addresses (string: exact, case-insensitive). */
  rejectRecipient(pattern: string | RegExp, code: number, message?: string): void;
  /** Answer the end of DATA with `code` for the next `times` messages. */
  failData(code: number, times?: number, message?: string): void;
  /** Destroy the connection mid-DATA for the next `n` messages. */
  dropNext(n?: number): void;
  /** Destroy the connection on the next `n` MAIL FROM commands (the message was never sent). */
  dropAtMailFrom(n?: number): void;
  /**
   * Answer the next `times` MAIL FROM commands with `code` and `message` (the rest of the reply,
   * e.g. '5.1.8 Sender address rejected'); `Infinity` refuses the sender until `clearFaults`.
   * A 421 also closes the connection.
   */
  failMailFrom(code: number, times?: number, message?: string): void;
  /** Never answer the end of DATA for the next `n` messages (until the connection goes). */
  stallNext(n?: number): void;
  /** Connections accepted since start (or the last reset), and those open now. */
  readonly connections: { readonly total: number; readonly open: number };
  clearFaults(): void;
  /** Forgets recorded messages and stats (faults stay). */
  reset(): void;
  /** Closes the server, cutting open connections. Safe to call twice. */
  close(): Promise<void>;
}

interface RecipientRule {
  pattern: string | RegExp;
  code: number;
  message: string;
}

interface Waiter {
  n: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

// Captured at load so the timeout still works while a test fakes timers.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const stats: SinkFaultStats = {
    rejectedRecipients: 0,
    failedData: 0,
    dropped: 0,
    droppedAtMailFrom: 0,
    refusedAtMailFrom: 0,
  };
  let dropAtMailFromRemaining = 0;
  let mailFromFault: { code: number; message: string; remaining: number } | null = null;
  let stallRemaining = 0;
  let connectionsTotal = 0;
  let recipientRules: RecipientRule[] = [];
  let dataFault: { code: number; message: string; remaining: number } | null = null;
  let dropRemaining = 0;
  let waiters: Waiter[] = [];
  const sockets = new Map<number, Socket>();

  const accept = (message: SinkMessage): void => {
    messages.push(message);
    const ready = waiters.filter((w) => messages.length >= w.n);
    waiters = waiters.filter((w) => messages.length < w.n);
    for (const waiter of ready) waiter.resolve();
  };

  const onRcptTo = (
    address: SMTPServerAddress,
    _session: SMTPServerSession,
    callback: (err?: Error) => void,
  ) => {
    // The latest matching rule wins, so a test can override an earlier one.
    const rule = [...recipientRules].reverse().find((r) => matches(r.pattern, address.address));
    if (!rule) return callback();
    stats.rejectedRecipients++;
    callback(smtpError(rule.code, rule.message));
  };

  const onData = (
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null) => void,
  ) => {
    if (stallRemaining > 0) {
      stallRemaining--;
      stream.on('data', () => {});
      return;
    }
    if (dropRemaining > 0) {
      dropRemaining--;
      stats.dropped++;
      const cut = (): void => {
        sockets.get(session.remotePort)?.destroy();
      };
      stream.once('data', cut);
      stream.once('end', cut);
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => {
      if (stream.sizeExceeded) return callback(smtpError(552, '5.3.4 Message too big'));
      if (dataFault && dataFault.remaining > 0) {
        dataFault.remaining--;
        stats.failedData++;
        return callback(smtpError(dataFault.code, dataFault.message));
      }
      const raw = Buffer.concat(chunks);
      const { mailFrom, rcptTo } = session.envelope;
      accept({
        raw,
        envelope: { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((r) => r.address) },
        messageId: messageIdOf(raw),
        receivedAt: new Date(),
      });
      callback();
    });
  };

  const onMailFrom = (
    _address: SMTPServerAddress,
    session: SMTPServerSession,
    callback: (err?: Error) => void,
  ) => {
    if (mailFromFault && mailFromFault.remaining > 0) {
      mailFromFault.remaining--;
      stats.refusedAtMailFrom++;
      return callback(smtpError(mailFromFault.code, mailFromFault.message));
    }
    if (dropAtMailFromRemaining === 0) return callback();
    dropAtMailFromRemaining--;
    stats.droppedAtMailFrom++;
    sockets.get(session.remotePort)?.destroy();
  };

  const required = options.auth;
  const server = new SMTPServer({
    disableReverseLookup: true,
    authOptional: !required,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: options.size ?? 100 * 1024 * 1024,
    logger: false,
    onAuth: (auth, _session, callback) => {
      if (!required || (auth.username === required.user && auth.password === required.pass)) {
        return callback(null, { user: auth.username ?? 'test' });
      }
      callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
    },
    onMailFrom,
    onRcptTo,
    onData,
  });
  // Clients vanishing mid-session (a destroyed pool, a dropped connection) are expected here.
  server.on('error', () => {});
  server.server.on('connection', (socket: Socket) => {
    const port = socket.remotePort ?? 0;
    connectionsTotal++;
    sockets.set(port, socket);
    socket.once('close', () => sockets.delete(port));
  });
  const port = await listen(server, options.port ?? 0);

  let closing: Promise<void> | undefined;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    stats,
    countByMessageId: () => countBy(messages),
    parsed: () => Promise.all(messages.map((m) => simpleParser(m.raw))),
    waitForMessages(n, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        if (messages.length >= n) return resolve(messages);
        const timer = realSetTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(
            new Error(`SMTP sink: expected ${n} messages within ${timeoutMs} ms, got ${messages.length}`),
          );
        }, timeoutMs);
        const waiter: Waiter = {
          n,
          resolve: () => {
            realClearTimeout(timer);
            resolve(messages);
          },
          reject: (error) => {
            realClearTimeout(timer);
            reject(error);
          },
        };
        waiters.push(waiter);
      });
    },
    rejectRecipient(pattern, code, message) {
      recipientRules.push({
        pattern,
        code,
        message: message ?? defaultText(code, '5.1.1 Mailbox unavailable'),
      });
    },
    failData(code, times = 1, message) {
      dataFault = { code, remaining: times, message: message ?? defaultText(code, '5.6.0 Message refused') };
    },
    dropNext(n = 1) {
      dropRemaining = n;
    },
    dropAtMailFrom(n = 1) {
      dropAtMailFromRemaining = n;
    },
    failMailFrom(code, times = 1, message) {
      mailFromFault = { code, remaining: times, message: message ?? defaultText(code, '4.3.2 Not now') };
    },
    stallNext(n = 1) {
      stallRemaining = n;
    },
    connections: {
      get total() {
        return connectionsTotal;
      },
      get open() {
        return sockets.size;
      },
    },
    clearFaults() {
      recipientRules = [];
      dataFault = null;
      dropRemaining = 0;
      dropAtMailFromRemaining = 0;
      mailFromFault = null;
      stallRemaining = 0;
    },
    reset() {
      messages.length = 0;
      connectionsTotal = 0;
      Object.assign(stats, {
        rejectedRecipients: 0,
        failedData: 0,
        dropped: 0,
        droppedAtMailFrom: 0,
        refusedAtMailFrom: 0,
      });
    },
    close() {
      for (const waiter of waiters) {
        waiter.reject(new Error(`SMTP sink closed after ${messages.length} of ${waiter.n} messages`));
      }
      waiters = [];
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets.values()) socket.destroy();
      });
      return closing;
    },
  };
}

function listen(server: SMTPServer, wanted: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(wanted, '127.0.0.1', () => {
      server.server.off('error', reject);
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

function matches(pattern: string | RegExp, address: string): boolean {
  if (typeof pattern === 'string') return pattern.toLowerCase() === address.toLowerCase();
  pattern.lastIndex = 0; // a /g or /y pattern would otherwise remember where it last matched
  return pattern.test(address);
}

function smtpError(code: number, message: string): SMTPServerError {
  const error: SMTPServerError = new Error(message);
  error.responseCode = code;
  return error;
}

/** A sensible enhanced status text for the code's class. */
function defaultText(code: number, permanent: string): string {
  return code >= 500 ? permanent : '4.3.0 Temporary failure, try again later';
}

/** Reads the Message-ID from the raw header block, without parsing the whole message. */
export function messageIdOf(raw: Buffer): string | null {
  let end = raw.indexOf('\r\n\r\n');
  if (end < 0) end = raw.indexOf('\n\n');
  const headers = raw
    .subarray(0, end < 0 ? raw.length : end)
    .toString('utf8')
    .replace(/\r?\n[ \t]+/g, ' ');
  const match = /^message-id:[ \t]*([^\r\n]*?)[ \t]*\r?$/im.exec(headers);
  return match?.[1] || null;
}

function countBy(messages: readonly SinkMessage[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { messageId } of messages) {
    if (messageId !== null) counts.set(messageId, (counts.get(messageId) ?? 0) + 1);
  }
  return counts;
}

/**
 * One sink for the enclosing describe block: started before its tests, emptied (messages and
 * faults) after each, closed at the end. Returns a getter, valid inside tests.
 */
export function useSmtpSink(): () => SmtpSink {
  let sink: SmtpSink | undefined;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterEach(() => {
    sink?.reset();
    sink?.clearFaults();
  });
  afterAll(async () => {
    await sink?.close();
  });
  return () => {
    if (!sink) throw new Error('useSmtpSink(): the sink exists only inside tests');
    return sink;
  };
}
