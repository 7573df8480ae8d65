/**
 * Telling SMTP failures apart by who is refused: us (the sender, our login, our relay
 * settings), one recipient, or one message. nodemailer's SMTPConnection reports the reply as
 * `responseCode` and `response`, and the step it answered as `command` ('MAIL FROM',
 * 'RCPT TO', 'DATA', 'CONN', 'EHLO', 'AUTH PLAIN', …); the enhanced status code (RFC 3463,
 * `5.1.8`) is read from the reply text. The README has the same table for operators.
 *
 *  - sender-refused: about us, so every message would meet it — a refusal at MAIL FROM (but for
 *    a message too big), any X.1.7/X.1.8 (bad sender address), a 5.7.x about relaying,
 *    authentication or the sender's policy, a refused login, a 5xx before MAIL FROM. Sending
 *    pauses; the message goes back untouched.
 *  - address-rejected: 5.1.1, 5.1.2, 5.1.3, 5.1.10, 5.2.1 at RCPT TO: fail it and suppress the address.
 *  - permanent: any other 5xx at RCPT TO or DATA: fail this one message.
 *  - temporary: 4xx, 5.2.2 (mailbox full), connection trouble: retry later with backoff.
 */
export type FailureKind = 'temporary' | 'permanent' | 'address-rejected' | 'sender-refused';

/** The SMTP step that was answered: the session before MAIL FROM, or one of the three envelope/data steps. */
export type SmtpStage = 'session' | 'MAIL FROM' | 'RCPT TO' | 'DATA';

export interface SmtpFailure {
  kind: FailureKind;
  /** The server asked us to slow down (421, 454). */
  slowDown: boolean;
  /** A temporary failure of the whole transport (connection refused or lost, 421), not of one message. */
  systemic: boolean;
  code: number | null;
  /** The RFC 3463 enhanced status code, e.g. "5.1.8", when the reply had one. */
  enhanced: string | null;
  stage: SmtpStage | null;
  /** The reply on one line, code first. */
  message: string;
}

interface ErrorLike {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
  command?: string;
}

const AUTH_CODES = new Set([530, 534, 535, 538]);
const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ESOCKET',
  'ETIMEDOUT',
  'EDNS',
  'ETLS',
  'ECONNREFUSED',
  'ECONNRESET',
]);
/** Permanent refusals of the recipient's address itself (subject.detail of 5.X.X). */
const ADDRESS_GONE = new Set(['1.1', '1.2', '1.3', '1.10', '2.1']);
/** X.7.x codes that are always about our authentication or our sender (RFC 3463, RFC 7372, RFC 8689 registry). */
const SENDER_SECURITY = new Set([8, 9, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);

export function classifySmtpError(error: unknown): SmtpFailure {
  const e = (error ?? {}) as ErrorLike;
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const text = oneLine(e.response ?? e.message ?? String(error));
  const message = code !== null && !text.startsWith(String(code)) ? `${code} ${text}` : text;
  const enhanced = code !== null ? enhancedCode(text) : null;
  const stage = stageOf(e.command);
  const base = { slowDown: false, systemic: false, code, enhanced, stage, message };
  return { ...base, ...decide(e, code, enhanced, stage, text) };
}

type Verdict = Pick<SmtpFailure, 'kind'> & Partial<Pick<SmtpFailure, 'slowDown' | 'systemic'>>;

function decide(
  e: ErrorLike,
  code: number | null,
  enhanced: string | null,
  stage: SmtpStage | null,
  text: string,
): Verdict {
  // A refused login (a wrong password, a relay that wants AUTH) is about our session, not this message.
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH' || (code !== null && AUTH_CODES.has(code)))
    return { kind: 'sender-refused' };
  if (code === 421 || code === 454) return { kind: 'temporary', slowDown: true, systemic: true };
  if (code === null) {
    if (e.code !== undefined && CONNECTION_CODES.has(e.code)) return { kind: 'temporary', systemic: true };
    // nodemailer's own refusal of a message larger than the relay's SIZE: it never went.
    if (e.code === 'EMESSAGE' && stage === 'MAIL FROM') return { kind: 'permanent' };
    return { kind: 'temporary' };
  }
  // 503 "bad sequence of commands" is our session out of step, not the message.
  if (code === 503 || code < 400) return { kind: 'temporary' };
  const permanent = code >= 500;
  if (stage === 'session')
    return permanent ? { kind: 'sender-refused' } : { kind: 'temporary', systemic: true };
  const [, subject, detail] = (enhanced ?? '').split('.').map(Number);
  if (subject === 2 && detail === 2) return { kind: 'temporary' }; // mailbox full: it may be emptied
  if (subject === 1 && (detail === 7 || detail === 8)) return { kind: 'sender-refused' };
  if (stage === 'MAIL FROM') {
    const tooBig =
      (subject === 3 && detail === 4) || (subject === 2 && detail === 3) || (code === 552 && !enhanced);
    return { kind: tooBig ? 'permanent' : 'sender-refused' };
  }
  if (!permanent) return { kind: 'temporary' };
  if (subject === 7 && aboutSender(detail ?? 0, text)) return { kind: 'sender-refused' };
  if (stage === 'RCPT TO' && enhanced && ADDRESS_GONE.has(`${subject}.${detail}`))
    return { kind: 'address-rejected' };
  return { kind: 'permanent' };
}

/**
 * Whether a 5.7.x refusal is about relaying, authentication or the sender's policy rather than
 * one recipient or one message. The codes that say so outright are listed; 5.7.0, 5.7.1 and
 * vendor codes say nothing by themselves, so the reply's words decide, and a refusal that
 * names no sender-side cause stays with the message (pausing everything for one recipient's
 * policy would stop all mail).
 */
function aboutSender(detail: number, text: string): boolean {
  if (SENDER_SECURITY.has(detail)) return true;
  if (detail !== 0 && detail !== 1 && detail <= 30) return false;
  const reply = text.replace(/^\d{3}[ -]?/, '');
  if (/\brelay/i.test(reply)) return true;
  if (/\b(recipient|mailbox|user)\b/i.test(reply)) return false;
  return /\b(sender|client|auth\w*|SPF|DKIM|DMARC|reputation|IP|STARTTLS|(block|black|deny)[ -]?list(ed)?|RBL|DNSBL|spamhaus)\b/i.test(
    reply,
  );
}

function stageOf(command: string | undefined): SmtpStage | null {
  if (command === undefined || command === 'API') return null;
  if (command === 'MAIL FROM' || command === 'RCPT TO' || command === 'DATA') return command;
  // CONN (greeting), EHLO/HELO/LHLO, STARTTLS, AUTH …: before any message.
  return 'session';
}

/** The first enhanced status code in a reply ("550 5.1.1 <x>: User unknown" → "5.1.1"). */
export function enhancedCode(reply: string): string | null {
  const m = /(?:^|[\s-])([245]\.\d{1,3}\.\d{1,3})(?=\s|$|[;:,.)])/.exec(reply);
  return m?.[1] ?? null;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}
