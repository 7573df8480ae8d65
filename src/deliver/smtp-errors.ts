/**
 * Telling SMTP failures apart. nodemailer reports the reply code as `responseCode`; we decide:
 *  - temporary (4xx, connection lost, timeouts): retry later with backoff;
 *  - permanent (5xx): fail this one message only;
 *  - address rejected (5.1.x, e.g. 550 5.1.1 user unknown): fail it and suppress the address;
 *  - authentication refused (EAUTH, 530/534/535/538): temporary and systemic, although 5xx — the
 *    relay's settings are wrong, not the message; the breaker pauses sending until they are fixed.
 */
export type FailureKind = 'temporary' | 'permanent' | 'address-rejected';

export interface SmtpFailure {
  kind: FailureKind;
  /** The server asked us to slow down (421, 454) or the relay is not taking mail right now. */
  slowDown: boolean;
  /** A failure of the whole transport (auth, connection refused), not of one message. */
  systemic: boolean;
  code: number | null;
  message: string;
}

interface ErrorLike {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
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

export function classifySmtpError(error: unknown): SmtpFailure {
  const e = (error ?? {}) as ErrorLike;
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const text = oneLine(e.response ?? e.message ?? String(error));
  const message = code !== null && !text.startsWith(String(code)) ? `${code} ${text}` : text;
  // Authentication trouble (a wrong password, a relay that wants AUTH: 530/534/535/538) is about
  // our session, not this message: every message would meet it, and none is at fault.
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH' || (code !== null && AUTH_CODES.has(code))) {
    return { kind: 'temporary', slowDown: false, systemic: true, code, message };
  }
  if (code !== null && code >= 500 && code < 600 && code !== 503) {
    const addressRejected = /\b5\.1\.\d{1,3}\b/.test(text);
    return {
      kind: addressRejected ? 'address-rejected' : 'permanent',
      slowDown: false,
      systemic: false,
      code,
      message,
    };
  }
  const connection = e.code !== undefined && CONNECTION_CODES.has(e.code);
  const slowDown = code === 421 || code === 454;
  return { kind: 'temporary', slowDown, systemic: connection || slowDown, code, message };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}
