/** Conditional GET (RFC 9110 §13): does the client already hold this representation? */
import type { IncomingHttpHeaders } from 'node:http';

const ENTITY_TAG = /(?:W\/)?"[^"]*"/g;

/**
 * True when the request's validators match: If-None-Match (a list, `*`, weak comparison as
 * the RFC asks for GET) or, only when that header is absent, If-Modified-Since at or after
 * `lastModifiedMs`.
 */
export function notModified(
  headers: IncomingHttpHeaders,
  etag: string,
  lastModifiedMs: number | null,
): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) {
    if (inm.trim() === '*') return true;
    const mine = opaque(etag);
    return (inm.match(ENTITY_TAG) ?? []).some((tag) => opaque(tag) === mine);
  }
  const ims = headers['if-modified-since'];
  if (ims === undefined || lastModifiedMs === null) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && lastModifiedMs <= since;
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
