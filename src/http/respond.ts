/** Small helpers for node:http responses and request bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** `csp`: a page's own Content-Security-Policy (one with a script nonce); the default allows no script. */
export function sendHtml(res: ServerResponse, status: number, body: string, csp?: string): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': csp ?? "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    'X-Frame-Options': 'DENY',
  });
  res.end(body);
}

/** Read a request body up to `limit` bytes; larger bodies are refused with 413 without reading on. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, `request body is larger than ${limit} bytes`);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    // A request without setEncoding() yields Buffers.
    const part: unknown = chunk;
    if (!Buffer.isBuffer(part)) throw new HttpError(400, 'the request body could not be read');
    size += part.length;
    if (size > limit) throw new HttpError(413, `request body is larger than ${limit} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts).toString('utf8');
}

export { escapeHtml } from '../html.js';
