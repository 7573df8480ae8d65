/**
 * Reading returned mail: RFC 3464 delivery status notifications, RFC 5965 abuse reports,
 * auto-replies and the plain-text bounces some servers still write. MIME is parsed by postal-mime;
 * the returned message inside (message/rfc822 or text/rfc822-headers) is searched for our header
 * and Message-ID, not only the report's top-level headers.
 */
import { createHash } from 'node:crypto';
import PostalMime, { type Email } from 'postal-mime';
import { parseFieldBlocks, quotedHeaderValues, type Fields } from './fields.js';
import { normaliseAddress, oneLine, statusClass, type BounceKind, type BounceReport } from './report.js';
import { parseVerp, verpCandidates } from './verp.js';

export interface MailParseOptions {
  /** Key the VERP addresses were signed with. */
  verpKey: string;
  /** bounces.domain; without it no VERP address is trusted. */
  verpDomain?: string | undefined;
}

/** What the parts of a report hold, gathered in one walk. */
interface Evidence {
  status: Fields[];
  feedback: Fields | null;
  /** Headers of the returned message (from message/rfc822 or text/rfc822-headers parts). */
  returned: Fields[];
  /** All text that may quote the returned message's headers. */
  texts: string[];
}

const ENVELOPE_HEADERS = ['to', 'delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to', 'x-rcpt-to'];
const PARSE = { forceRfc822Attachments: true, attachmentEncoding: 'utf8' } as const;

export async function parseReturnedMail(
  raw: Buffer | string,
  options: MailParseOptions,
): Promise<BounceReport> {
  const email = await PostalMime.parse(raw, PARSE);
  const evidence = await gather(email);
  const verdict = classify(email, evidence);
  return {
    ...verdict,
    verpIds: verpIdsOf(email, options),
    headerIds: headerIdsOf(email, evidence),
    messageIds: messageIdsOf(email, evidence),
    fingerprint: `mail:${createHash('sha256').update(raw).digest('hex')}`,
  };
}

async function gather(email: Email): Promise<Evidence> {
  const evidence: Evidence = { status: [], feedback: null, returned: [], texts: [email.text ?? ''] };
  for (const part of email.attachments) {
    const type = part.mimeType.toLowerCase();
    const content =
      typeof part.content === 'string'
        ? part.content
        : Buffer.from(part.content as ArrayBuffer).toString('utf8');
    if (type === 'message/delivery-status' || type === 'message/global-delivery-status') {
      evidence.status.push(...parseFieldBlocks(content));
    } else if (type === 'message/feedback-report') {
      evidence.feedback = mergeBlocks(parseFieldBlocks(content));
    } else if (type === 'text/rfc822-headers' || type === 'message/global-headers') {
      evidence.returned.push(mergeBlocks(parseFieldBlocks(content.split(/\r?\n\r?\n/)[0] ?? '')));
      evidence.texts.push(content);
    } else if (type === 'message/rfc822' || type === 'message/global') {
      const inner = await PostalMime.parse(content, PARSE);
      evidence.returned.push(
        new Map(inner.headers.map((h) => [h.key, h.value] as [string, string]).reverse()),
      );
      evidence.texts.push(inner.text ?? '');
    } else if (type.startsWith('text/')) {
      evidence.texts.push(content);
    }
  }
  return evidence;
}

function mergeBlocks(blocks: Fields[]): Fields {
  const out: Fields = new Map();
  for (const block of blocks) for (const [k, v] of block) if (!out.has(k)) out.set(k, v);
  return out;
}

type Verdict = Pick<BounceReport, 'kind' | 'recipient' | 'status' | 'diagnostic'>;

const NONE: Verdict = { kind: null, recipient: null, status: null, diagnostic: null };

function classify(email: Email, evidence: Evidence): Verdict {
  if (evidence.feedback) return complaint(evidence.feedback, evidence.returned);
  if (evidence.status.length > 0) return fromDeliveryStatus(evidence.status);
  if (isAutoReply(email)) {
    return {
      kind: 'auto-reply',
      recipient: normaliseAddress(email.from?.address ?? null),
      status: null,
      diagnostic: oneLine(email.subject),
    };
  }
  if (looksLikeBounce(email)) return fromPlainText(email);
  return NONE;
}

function complaint(report: Fields, returned: Fields[]): Verdict {
  const type = (report.get('feedback-type') ?? 'abuse').toLowerCase();
  // not-spam is a report that mail was wrongly filtered, the opposite of a complaint.
  if (type === 'not-spam') return NONE;
  const recipient =
    normaliseAddress(report.get('original-rcpt-to')) ??
    normaliseAddress(returned.map((h) => h.get('to')).find(Boolean));
  const agent = report.get('user-agent');
  return {
    kind: 'complaint',
    recipient,
    status: null,
    diagnostic: oneLine(`feedback-type ${type}${agent ? ` from ${agent}` : ''}`),
  };
}

/** The first block is about the message, the others one recipient each; the worst recipient decides. */
function fromDeliveryStatus(blocks: Fields[]): Verdict {
  const recipients = blocks.filter((b) => b.has('action') || b.has('final-recipient'));
  let best: Verdict = NONE;
  let bestRank = 0;
  for (const block of recipients) {
    const action = (block.get('action') ?? '').toLowerCase().split(/\s/)[0] ?? '';
    const status = /\d\.\d{1,3}\.\d{1,3}/.exec(block.get('status') ?? '')?.[0] ?? null;
    const kind = kindOf(action, status);
    const rank = kind === 'hard' ? 3 : kind === 'soft' ? 2 : kind === 'delayed' ? 1 : 0;
    if (rank <= bestRank) continue;
    bestRank = rank;
    const recipient =
      normaliseAddress(block.get('final-recipient')) ?? normaliseAddress(block.get('original-recipient'));
    const diagnostic = oneLine((block.get('diagnostic-code') ?? '').replace(/^\s*smtp\s*;\s*/i, ''));
    best = { kind, recipient, status, diagnostic };
  }
  return best;
}

function kindOf(action: string, status: string | null): BounceKind | null {
  if (action === 'delayed') return 'delayed';
  if (action !== 'failed') return null;
  return statusClass(status) === 4 ? 'soft' : 'hard';
}

function header(email: Email, name: string): string {
  return email.headers.find((h) => h.key === name)?.value ?? '';
}

function isAutoReply(email: Email): boolean {
  const submitted = header(email, 'auto-submitted').toLowerCase();
  if (submitted.startsWith('auto-replied')) return true;
  if (header(email, 'x-autoreply') || header(email, 'x-autorespond')) return true;
  if (/^auto_reply$/i.test(header(email, 'precedence').trim())) return true;
  return /^(auto(matic)?[ -]?reply|out of (the )?office|autoreply|abwesenheitsnotiz|réponse automatique)/i.test(
    email.subject ?? '',
  );
}

const BOUNCE_SENDER = /^(mailer-daemon|postmaster|mail-daemon)@/i;
const BOUNCE_SUBJECT =
  /(undeliver|undelivered|delivery status notification|delivery failure|failure notice|returned mail|mail delivery (failed|system)|delivery has failed|warning: message .* delayed|delayed mail)/i;

function looksLikeBounce(email: Email): boolean {
  return BOUNCE_SENDER.test(email.from?.address ?? '') || BOUNCE_SUBJECT.test(email.subject ?? '');
}

/** A bounce without a machine-readable part: the status code and address from its text. */
function fromPlainText(email: Email): Verdict {
  const text = email.text ?? '';
  if (
    /delay|not yet been delivered|will (continue to )?retry/i.test(
      `${email.subject ?? ''} ${text.slice(0, 2000)}`,
    )
  ) {
    if (!/permanent|gave up|giving up/i.test(text)) return { ...NONE, kind: 'delayed' };
  }
  const enhanced = /\b([45])\.(\d{1,3})\.(\d{1,3})\b/.exec(text);
  const basic = /\b([45])\d\d[ -]/.exec(text);
  const cls = enhanced ? Number(enhanced[1]) : basic ? Number(basic[1]) : null;
  if (cls === null) return NONE;
  const line = text
    .split('\n')
    .find((l) => (enhanced ? l.includes(enhanced[0]) : basic && l.includes(basic[0])));
  const recipient = normaliseAddress(
    /<([^<>\s]+@[^<>\s]+)>|^\s*([^\s<>:]+@[^\s<>:]+)\s*$/m.exec(text)?.slice(1).find(Boolean),
  );
  return {
    kind: cls === 4 ? 'soft' : 'hard',
    recipient,
    status: enhanced?.[0] ?? null,
    diagnostic: oneLine(line),
  };
}

function verpIdsOf(email: Email, options: MailParseOptions): number[] {
  const domain = options.verpDomain;
  if (!domain) return [];
  const ids = email.headers
    .filter((h) => ENVELOPE_HEADERS.includes(h.key))
    .flatMap((h) => verpCandidates(h.value))
    .map((address) => parseVerp(options.verpKey, address, domain));
  return unique(ids.filter((id): id is number => id !== null));
}

function headerIdsOf(email: Email, evidence: Evidence): number[] {
  const values = [
    header(email, 'x-rapport-message'),
    ...evidence.returned.map((h) => h.get('x-rapport-message') ?? ''),
    ...evidence.texts.flatMap((t) => quotedHeaderValues(t, 'X-Rapport-Message')),
  ];
  return unique(
    values
      .map((v) => /^\s*(\d{1,15})\s*$/.exec(v)?.[1])
      .filter(Boolean)
      .map(Number),
  );
}

function messageIdsOf(email: Email, evidence: Evidence): string[] {
  const values = [
    ...evidence.returned.map((h) => h.get('message-id') ?? ''),
    ...evidence.status.map((b) => b.get('x-original-message-id') ?? ''),
    evidence.feedback?.get('original-message-id') ?? '',
    ...evidence.texts.flatMap((t) => quotedHeaderValues(t, 'Message-ID')),
    // An auto-reply answers our message.
    header(email, 'in-reply-to'),
  ];
  return unique(values.map((v) => /<[^<>\s]+>/.exec(v)?.[0]).filter((v): v is string => Boolean(v)));
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
