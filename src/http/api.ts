/**
 * The ingestion API: POST /api/customers|events|content with a JSON object or array,
 * `Authorization: Bearer $RAPPORT_API_TOKEN`. Rows are validated exactly as an import validates
 * them; a request is all or nothing: any bad record → 400 with every problem, nothing stored.
 * Events (and changed customers) are planned at once and the delivery loop is woken.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DbRuntime } from '../runtime.js';
import { formatRowError } from '../import/format.js';
import type { ImportKind } from '../import/types.js';
import { ingestRecords } from '../usecases/ingest.js';
import { HttpError, readBody, sendJson } from './respond.js';
import { errorMessage } from '../errors.js';

const API_MAX_BODY = 2 * 1024 * 1024;
const API_MAX_RECORDS = 1000;

export interface ApiDeps {
  rt: DbRuntime;
  token: string | undefined;
  /** Called after stored rows may have made something due. */
  wake: () => void;
}

/** Constant-time comparison of the bearer token (hashing first evens out the lengths). */
function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (m?.[1] === undefined) return false;
  const a = createHash('sha256').update(m[1]).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

export async function handleApi(
  deps: ApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  kind: ImportKind,
): Promise<void> {
  if (!deps.token) throw new HttpError(404, 'the API is disabled: set RAPPORT_API_TOKEN to enable it');
  if (!tokenMatches(req.headers.authorization, deps.token)) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="rapport"');
    throw new HttpError(401, 'missing or wrong bearer token');
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'send Content-Type: application/json');
  const records = parseRecords(await readBody(req, API_MAX_BODY));
  const { db, config, now } = deps.rt;
  const result = await ingestRecords({ db, config, now, wake: deps.wake }, kind, records);
  if (!result.ok) {
    const { errors } = result;
    throw new HttpError(
      400,
      `${new Set(errors.map((e) => e.line)).size} of ${records.length} records rejected; nothing was stored`,
      errors.map((e) => ({ ...e, message: formatRowError(e) })),
    );
  }
  const { keptUnsubscribed, ...stored } = result.counts;
  // Customers only: how many asked to re-subscribe an address that opted out (left unsubscribed).
  const counts = kind === 'customers' ? { ...stored, kept_unsubscribed: keptUnsubscribed ?? 0 } : stored;
  const planned = result.planned === null ? {} : { planned: result.planned };
  sendJson(res, 200, { received: records.length, ...counts, ...planned });
}

function parseRecords(body: string): Record<string, unknown>[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new HttpError(400, `the body is not valid JSON: ${errorMessage(error)}`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0) throw new HttpError(400, 'the body is an empty array');
  if (list.length > API_MAX_RECORDS) {
    throw new HttpError(
      413,
      `at most ${API_MAX_RECORDS} records per request (got ${list.length}); send several requests`,
    );
  }
  const bad = list.findIndex((r) => r === null || typeof r !== 'object' || Array.isArray(r));
  if (bad >= 0) throw new HttpError(400, `record ${bad + 1} is not a JSON object`);
  return list as Record<string, unknown>[];
}
