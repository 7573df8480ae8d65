/**
 * Reading a bounce mailbox over IMAP (imapflow): each message is handed to `sort`, then moved to
 * the processed or the unrecognised folder — never deleted, so an operator can always look back.
 * Moving only after the books took the outcome makes a crash in between harmless: the message
 * is read again next time and recognised as already handled.
 */
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';

export interface MailboxSettings {
  /** imap://user:pass@host:port or imaps://… */
  url: string;
  mailbox: string;
  processed: string;
  unrecognised: string;
}

export type Verdict = 'processed' | 'unrecognised';

export interface PassReport {
  processed: number;
  unrecognised: number;
  /** Still in the mailbox after this pass (more than one pass takes). */
  left: number;
}

/** Messages handled per pass: a full mailbox is worked through over several polls. */
const PASS_LIMIT = 500;

function imapOptions(url: string): ImapFlowOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError(
      'E_IMAP_URL',
      'bounces.imap.url must look like imap://user:pass@host:143 or imaps://user:pass@host:993',
    );
  }
  const secure = parsed.protocol === 'imaps:';
  if (!secure && parsed.protocol !== 'imap:')
    throw new AppError('E_IMAP_URL', 'bounces.imap.url must start with imap:// or imaps://');
  const rejectUnauthorized = parsed.searchParams.get('tls.rejectUnauthorized') !== 'false';
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : secure ? 993 : 143,
    secure,
    auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) },
    tls: { rejectUnauthorized },
    logger: false,
    connectionTimeout: 30_000,
  };
}

export async function processMailbox(
  settings: MailboxSettings,
  sort: (raw: Buffer) => Promise<Verdict>,
  log: Logger,
): Promise<PassReport> {
  const client = new ImapFlow(imapOptions(settings.url));
  // A dropped connection is reported as an event too; the pass fails through its pending command.
  client.on('error', (error: Error) =>
    log.warn({ event: 'bounces.imap_error', error: error.message }, 'IMAP connection error'),
  );
  await client.connect();
  try {
    for (const folder of [settings.processed, settings.unrecognised]) await client.mailboxCreate(folder);
    const lock = await client.getMailboxLock(settings.mailbox);
    try {
      return await sortAll(client, settings, sort);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}

async function sortAll(
  client: ImapFlow,
  settings: MailboxSettings,
  sort: (raw: Buffer) => Promise<Verdict>,
): Promise<PassReport> {
  const uids = (await client.search({ all: true }, { uid: true })) || [];
  const report: PassReport = { processed: 0, unrecognised: 0, left: Math.max(0, uids.length - PASS_LIMIT) };
  for (const uid of uids.slice(0, PASS_LIMIT)) {
    const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
    if (!message || !message.source) continue;
    const verdict = await sort(message.source);
    const folder = verdict === 'processed' ? settings.processed : settings.unrecognised;
    await client.messageMove(String(uid), folder, { uid: true });
    report[verdict]++;
  }
  return report;
}
