/**
 * The Mailer: the one interface the delivery loop sends through, built from SMTP_URL:
 *   smtp://user:pass@host:port, smtps://…   pooled nodemailer transport
 *   file:DIR                                one .eml file per message (the zero-config default)
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import { Readable } from 'node:stream';
import type { SendMailOptions, Transporter } from 'nodemailer';
import DKIM from 'nodemailer/lib/dkim';
import MailComposer from 'nodemailer/lib/mail-composer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import type { SMTPConnectionOptions, SMTPEnvelope } from 'nodemailer/lib/smtp-connection';
import { AppError } from '../errors.js';
import { composeRaw } from './raw-message.js';
import { SmtpPool } from './smtp-pool.js';

export interface OutgoingMessage {
  from: string;
  to: { name: string; address: string };
  replyTo?: string;
  subject: string;
  text: string;
  html: string;
  /** `<…@domain>`, derived from the delivery key. */
  messageId: string;
  headers: Record<string, string>;
  date: Date;
  /** MAIL FROM, where bounces go (a VERP address); the From address when absent. */
  envelopeFrom?: string;
  /** What rendered it (template version, locales), recorded with the delivery when sent. */
  rendering?: Rendering;
}

export interface Rendering {
  template: string;
  templateVersionId: number | null;
  templateVersion: number | null;
  requestedLocale: string | null;
  resolvedLocale: string;
}

export interface SendResult {
  response: string;
  /** The exact MIME bytes handed to the relay (DKIM signature included), for the books. */
  raw?: Buffer;
}

export interface Mailer {
  send(message: OutgoingMessage): Promise<SendResult>;
  close(): Promise<void>;
  /** Where mail goes, without credentials. */
  readonly describe: string;
  /** How many messages may usefully be in flight at once. */
  readonly parallelism: number;
}

export interface MailerOptions {
  poolSize: number;
  /** smtp.timeout: the longest one message may take with the relay (ms). */
  timeoutMs?: number;
  dkim?: DkimOptions;
}

export interface DkimOptions {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/**
 * Headers the DKIM signature covers: the usual set plus List-Unsubscribe-Post, which the
 * default list leaves out (receivers require it signed for one-click unsubscribe).
 */
const DKIM_SIGNED_HEADERS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:' +
  'Content-Transfer-Encoding:In-Reply-To:References:List-Id:List-Unsubscribe:List-Unsubscribe-Post:Auto-Submitted';

function dkimSettings(dkim: DkimOptions) {
  return { ...dkim, headerFieldNames: DKIM_SIGNED_HEADERS };
}

function dkimOption(dkim: DkimOptions | undefined) {
  return dkim ? { dkim: dkimSettings(dkim) } : {};
}

export function createMailer(url: string, options: MailerOptions): Mailer {
  if (url.startsWith('file:')) return new FileMailer(url.slice('file:'.length), options.dkim);
  if (url.startsWith('smtp://') || url.startsWith('smtps://')) return new SmtpMailer(url, options);
  throw new AppError('E_SMTP_URL', 'SMTP_URL must start with smtp://, smtps:// or file:');
}

/** The nodemailer options for one of our messages (also the bench baseline's input). */
export function toMailOptions(m: OutgoingMessage): SendMailOptions {
  return {
    from: m.from,
    to: { name: m.to.name, address: m.to.address },
    replyTo: m.replyTo,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: m.messageId,
    date: m.date,
    headers: m.headers,
    ...(m.envelopeFrom ? { envelope: { from: m.envelopeFrom, to: [m.to.address] } } : {}),
    // Customer data never names files or URLs to attach; refuse them outright.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

class SmtpMailer implements Mailer {
  readonly describe: string;
  readonly parallelism: number;
  private readonly pool: SmtpPool;
  private readonly dkim: DKIM | null;

  constructor(url: string, { poolSize, dkim, timeoutMs = 60_000 }: MailerOptions) {
    const parsed = new URL(url);
    this.describe = `${parsed.protocol}//${parsed.hostname}:${parsed.port || (parsed.protocol === 'smtps:' ? 465 : 25)}`;
    // Twice the connections: the next message is composed while the connection finishes the last.
    this.parallelism = poolSize * 2;
    // The URL means what it means to nodemailer (smtps:, user:pass@, ?ignoreTLS=true, …).
    const { auth, ...connection } = parseConnectionUrl(url) as SMTPConnectionOptions & {
      auth?: { user?: string; pass?: string };
    };
    if ('proxy' in connection) {
      // Said rather than ignored: mail would otherwise go out another way than the operator set.
      throw new AppError(
        'E_SMTP_URL',
        "SMTP_URL: the proxy option is not supported; give the relay's own address",
      );
    }
    this.pool = new SmtpPool({
      connection: {
        ...connection,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      },
      ...(auth ? { auth: { user: auth.user ?? '', pass: auth.pass ?? '' } } : {}),
      size: poolSize,
      idleMs: IDLE_MS,
      sendTimeoutMs: timeoutMs,
    });
    this.dkim = dkim ? new DKIM(dkimSettings(dkim)) : null;
  }

  async send(message: OutgoingMessage): Promise<SendResult> {
    const options = toMailOptions(message);
    // Composed in one pass (raw-message.ts): the same bytes nodemailer would write, at a fraction
    // of the CPU; any other shape is composed by nodemailer's own MailComposer.
    const { raw, envelope } = composeRaw(options) ?? (await composeWithNodemailer(options));
    // In the line endings SMTP carries (the DATA stream would turn a bare LF into CRLF anyway),
    // signed once, into memory: the bytes sent are the bytes recorded, even when the pool tries twice.
    // Only the signer's output needs a second pass; unsigned, `wire` is already in CRLF.
    const wire = crlf(raw);
    const bytes = this.dkim ? crlf(await buffered(this.dkim.sign(wire))) : wire;
    const info = await this.pool.send(envelope, () => readableOf(bytes));
    return { response: info.response ?? '', raw: bytes };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** A connection with nothing to send for this long says goodbye (QUIT); the next batch reconnects. */
const IDLE_MS = 30_000;

/** The whole message as a stream of one chunk (the pool needs to know whether it was read). */
function readableOf(raw: string | Buffer): Readable {
  return new Readable({
    read() {
      this.push(raw);
      this.push(null);
    },
  });
}

function crlf(raw: string | Buffer): Buffer {
  const text = typeof raw === 'string' ? raw : raw.toString('binary');
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), typeof raw === 'string' ? 'utf8' : 'binary');
}

async function buffered(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function composeWithNodemailer(
  options: SendMailOptions,
): Promise<{ raw: Buffer; envelope: SMTPEnvelope }> {
  const node = new MailComposer(options).compile();
  const envelope = node.getEnvelope();
  return { raw: await node.build(), envelope: { from: envelope.from, to: envelope.to } };
}

/** Writes each message as DIR/<message-id>.eml: a re-send of the same delivery overwrites it. */
class FileMailer implements Mailer {
  readonly describe: string;
  readonly parallelism = 8;
  private readonly dir: string;
  private readonly composer: Transporter;

  constructor(dir: string, dkim?: DkimOptions) {
    this.composer = nodemailer.createTransport({
      streamTransport: true,
      buffer: true,
      newline: 'windows',
      ...dkimOption(dkim),
    });
    if (dir === '') throw new AppError('E_SMTP_URL', 'SMTP_URL file: needs a folder, e.g. file:data/outbox');
    this.dir = resolve(dir);
    this.describe = `file:${this.dir}`;
  }

  async send(message: OutgoingMessage): Promise<SendResult> {
    mkdirSync(this.dir, { recursive: true });
    const info = (await this.composer.sendMail(toMailOptions(message))) as { message: Buffer };
    const name = message.messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._-]/g, '_');
    const path = join(this.dir, `${name}.eml`);
    // Write then rename, so a reader never sees half a message.
    writeFileSync(`${path}.tmp`, info.message);
    renameSync(`${path}.tmp`, path);
    return { response: `250 written to ${path}`, raw: info.message };
  }

  close(): Promise<void> {
    this.composer.close();
    return Promise.resolve();
  }
}
