/**
 * Webhook signatures, each by its platform's documented scheme, always over the raw body
 * bytes, always compared in constant time. Pure: `now` is passed in.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Request headers, names lower-cased (as node:http and most frameworks give them). */
export type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (typeof value === 'string' || value === undefined) return value;
  return value[0];
}

/** Constant-time equality of two strings of any length (hashing first evens out the lengths). */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

function hmac(secret: string, ...parts: Array<string | Buffer>): Buffer {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

function matchesBase64(expected: Buffer, given: string | undefined): boolean {
  if (!given) return false;
  return sameSecret(expected.toString('base64'), given.trim());
}

/** Shopify: `X-Shopify-Hmac-Sha256` = base64 HMAC-SHA256 of the body with the app's secret. */
export function verifyShopify(headers: Headers, body: Buffer, secret: string): boolean {
  return matchesBase64(hmac(secret, body), header(headers, 'x-shopify-hmac-sha256'));
}

/** WooCommerce: `X-WC-Webhook-Signature` = base64 HMAC-SHA256 of the body with the webhook's secret. */
export function verifyWooCommerce(headers: Headers, body: Buffer, secret: string): boolean {
  return matchesBase64(hmac(secret, body), header(headers, 'x-wc-webhook-signature'));
}

/**
 * Square: `x-square-hmacsha256-signature` = base64 HMAC-SHA256 of the notification URL (as
 * registered with Square) followed by the body, with the subscription's signature key.
 */
export function verifySquare(
  headers: Headers,
  body: Buffer,
  signatureKey: string,
  notificationUrl: string,
): boolean {
  return matchesBase64(
    hmac(signatureKey, notificationUrl, body),
    header(headers, 'x-square-hmacsha256-signature'),
  );
}

/**
 * Stripe: `Stripe-Signature: t=TIMESTAMP,v1=HEX[,v1=HEX…]`; each v1 is hex HMAC-SHA256 of
 * `TIMESTAMP.BODY` with the endpoint's signing secret. A timestamp further than `toleranceMs`
 * from `now` is refused, so a captured request cannot be replayed later.
 */
export function verifyStripe(
  headers: Headers,
  body: Buffer,
  secret: string,
  toleranceMs: number,
  now: number,
): boolean {
  const value = header(headers, 'stripe-signature');
  if (!value) return false;
  const pairs = value.split(',').map((part) => part.trim().split('=', 2) as [string, string | undefined]);
  const t = pairs.find(([k]) => k === 't')?.[1];
  const signatures = pairs.filter(([k]) => k === 'v1').map(([, v]) => v ?? '');
  if (!t || !/^\d{1,12}$/.test(t) || signatures.length === 0) return false;
  if (Math.abs(now - Number(t) * 1000) > toleranceMs) return false;
  const expected = hmac(secret, `${t}.`, body).toString('hex');
  // Every candidate is compared, so timing does not tell which one matched.
  return signatures.map((s) => sameSecret(expected, s.toLowerCase())).some(Boolean);
}

/** A generic hook's caller: `Authorization: Bearer TOKEN`. */
export function verifyBearer(headers: Headers, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header(headers, 'authorization') ?? '');
  return m?.[1] !== undefined && sameSecret(m[1], token);
}

/** A generic hook's caller: `X-Rapport-Signature: sha256=HEX`, HMAC-SHA256 of the body. */
export function verifyRapportSignature(headers: Headers, body: Buffer, secret: string): boolean {
  const m = /^sha256=([0-9a-f]{64})$/i.exec((header(headers, 'x-rapport-signature') ?? '').trim());
  return m?.[1] !== undefined && sameSecret(hmac(secret, body).toString('hex'), m[1].toLowerCase());
}
