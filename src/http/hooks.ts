/** The node:http side of the webhooks: read the raw body, hand (headers, body) to the handler, answer. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HookResult } from '../hooks/take-in.js';
import { HttpError, sendJson } from './respond.js';

const HOOK_MAX_BODY = 2 * 1024 * 1024;

/** The body's bytes exactly as sent: signatures are computed over them. */
async function readRawBody(req: IncomingMessage, limit = HOOK_MAX_BODY): Promise<Buffer> {
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
  return Buffer.concat(parts);
}

export async function serveHook(
  req: IncomingMessage,
  res: ServerResponse,
  handle: (headers: IncomingMessage['headers'], body: Buffer) => Promise<HookResult>,
): Promise<void> {
  const body = await readRawBody(req);
  const result = await handle(req.headers, body);
  sendJson(res, result.status, result.body);
}
