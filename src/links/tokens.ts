/**
 * Signed link tokens for unsubscribe and preferences: base64url(payload).base64url(HMAC-SHA256).
 * The payload names the customer, the scope and the issue time; verification is constant-time,
 * and any failure (tampered, expired, malformed) looks the same to the caller: null.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface LinkToken {
  /** Customer id. */
  c: string;
  /** Scope: 'u' unsubscribe from all marketing, 'p' the preferences page (nothing else is accepted). */
  s: string;
  /** Issued at, seconds since the epoch. */
  t: number;
}

/** Links in mail stay valid for about thirteen months: long enough for an old newsletter. */
const TOKEN_LIFETIME_MS = 400 * 86_400_000;

export function signToken(key: string, token: LinkToken): string {
  const payload = Buffer.from(JSON.stringify(token)).toString('base64url');
  return `${payload}.${mac(key, payload)}`;
}

export function verifyToken(
  key: string,
  text: string,
  now: number,
  lifetimeMs = TOKEN_LIFETIME_MS,
): LinkToken | null {
  const checked = checkToken(key, text, now, lifetimeMs);
  return 'token' in checked ? checked.token : null;
}

/**
 * As verifyToken, but says why a token failed: 'expired' only for a genuine, signed token whose
 * time is up (a page may then say so); everything else is 'invalid'.
 */
export function checkToken(
  key: string,
  text: string,
  now: number,
  lifetimeMs = TOKEN_LIFETIME_MS,
): { token: LinkToken } | { problem: 'invalid' | 'expired' } {
  const invalid = { problem: 'invalid' } as const;
  if (text.length > 1024) return invalid;
  const dot = text.indexOf('.');
  if (dot <= 0) return invalid;
  const payload = text.slice(0, dot);
  // Compare the signature as written, not as decoded: base64url decoding is lenient (it drops
  // stray characters and the unused low bits of the last one), so several spellings would pass.
  const given = Buffer.from(text.slice(dot + 1), 'utf8');
  const expected = Buffer.from(mac(key, payload), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return invalid;
  let token: unknown;
  try {
    token = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return invalid;
  }
  if (!isToken(token)) return invalid;
  const issued = token.t * 1000;
  if (issued > now + 5 * 60_000) return invalid;
  if (now - issued > lifetimeMs) return { problem: 'expired' };
  return { token };
}

function mac(key: string, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

function isToken(v: unknown): v is LinkToken {
  const t = v as LinkToken;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof t.c === 'string' &&
    typeof t.s === 'string' &&
    Number.isInteger(t.t)
  );
}
