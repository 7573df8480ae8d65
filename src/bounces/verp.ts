/**
 * The envelope sender of each message names its delivery: `bounces+<id>.<mac>@<domain>` (VERP).
 * Returned mail goes to that address, so a bounce names the message it is about even when the
 * receiving side quotes nothing of it. The MAC keeps anyone from forging a bounce for another
 * delivery. It is lower-case hex: some systems change the case of local parts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'bounces+';
/** 64 bits of HMAC-SHA256: enough that guessing one is hopeless, short enough for a local part. */
const MAC_HEX = 16;

function mac(key: string, deliveryId: number): string {
  return createHmac('sha256', key).update(`verp:${deliveryId}`).digest('hex').slice(0, MAC_HEX);
}

export function verpAddress(key: string, deliveryId: number, domain: string): string {
  return `${PREFIX}${deliveryId}.${mac(key, deliveryId)}@${domain.toLowerCase()}`;
}

/** The delivery id of a VERP address we signed for `domain`, or null (any other address, a bad MAC). */
export function parseVerp(key: string, address: string, domain: string): number | null {
  const m = /^bounces\+(\d{1,15})\.([0-9a-f]{16})@([A-Za-z0-9.-]+)$/i.exec(address.trim());
  if (!m || m[3]?.toLowerCase() !== domain.toLowerCase()) return null;
  const id = Number(m[1]);
  const given = Buffer.from((m[2] ?? '').toLowerCase());
  const expected = Buffer.from(mac(key, id));
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}

/** Every `bounces+…@…` address in a text (a header value), for checking with parseVerp. */
export function verpCandidates(text: string): string[] {
  return [...text.matchAll(/bounces\+\d{1,15}\.[0-9a-f]{16}@[A-Za-z0-9.-]+/gi)].map((m) => m[0]);
}
