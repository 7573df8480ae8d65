/**
 * Cross-site request forgery: every request that changes something must come from a console
 * page. Browsers name the page's origin (Origin, Sec-Fetch-Site), and signed-in requests also
 * carry the session's token (a hidden `_csrf` field or an `x-csrf-token` header).
 */
import type { FastifyRequest } from 'fastify';
import { csrfTokenMatches, type ActiveSession } from './session.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function changesSomething(method: string): boolean {
  return UNSAFE.has(method);
}

/**
 * False when a browser says the request came from another site. A client that sends neither
 * header (a script, curl) is not a browser a forged page could drive; the token still applies.
 */
export function sameSite(
  headers: { origin?: string; 'sec-fetch-site'?: string; host?: string },
  publicUrl: string,
  protocol: string,
): boolean {
  const origin = headers.origin;
  if (origin !== undefined) {
    if (origin === new URL(publicUrl).origin) return true;
    return headers.host !== undefined && origin === `${protocol}://${headers.host}`;
  }
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  return true;
}

function tokenOf(request: FastifyRequest): unknown {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = request.body;
  if (body !== null && typeof body === 'object' && '_csrf' in body) return body._csrf;
  return undefined;
}

export function tokenValid(request: FastifyRequest, session: ActiveSession): boolean {
  return csrfTokenMatches(session, tokenOf(request));
}
