/**
 * `POST /hooks/in/NAME`: a generic webhook for anything else (a booking system, a POS). The
 * caller proves itself with a bearer token or an HMAC of the body; `map` says which body key
 * (dots reach into objects) fills which field. Records are validated as imported rows are and
 * stored all or nothing; an `Idempotency-Key` header makes a redelivery a no-op.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { planCustomersNow } from '../usecases/ingest.js';
import { obj } from './intake.js';
import { isRecord } from '../unknown.js';
import { type HookResult, once, RecordsRefused, storeRecords, type TakeInDeps } from './take-in.js';
import { header, type Headers, verifyBearer, verifyRapportSignature } from './verify.js';

const INBOUND_MAX_RECORDS = 1000;

type Inbound = Config['hooks']['in'][string];

/** The value at a dotted path (`booking.client.email`), own properties only. */
function valueAt(source: Record<string, unknown>, path: string): unknown {
  let node: unknown = source;
  for (const key of path.split('.')) {
    if (!isRecord(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** One body object → a record of fields: through the map when there is one, as it is otherwise. */
function mapRecord(
  hook: Pick<Inbound, 'map' | 'type' | 'kind'>,
  item: Record<string, unknown>,
): Record<string, unknown> {
  const entries = Object.entries(hook.map);
  const pairs: [string, unknown][] =
    entries.length === 0
      ? Object.entries(item)
      : entries.map(([path, field]) => [field, valueAt(item, path)]);
  const record = Object.fromEntries(pairs.filter(([, value]) => value !== undefined));
  if (hook.kind === 'events' && record.type === undefined && hook.type) record.type = hook.type;
  return record;
}

function authorised(hook: Inbound, headers: Headers, body: Buffer): boolean {
  if (hook.token !== undefined) return verifyBearer(headers, hook.token);
  return hook.secret !== undefined && verifyRapportSignature(headers, body, hook.secret);
}

function records(body: Buffer): Record<string, unknown>[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return 'the body is not valid JSON';
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  if (items.length === 0 || items.length > INBOUND_MAX_RECORDS)
    return `send 1 to ${INBOUND_MAX_RECORDS} records`;
  if (items.some((item) => item === null || typeof item !== 'object' || Array.isArray(item)))
    return 'every record must be a JSON object';
  return items.map(obj);
}

export async function handleInboundHook(
  deps: TakeInDeps & { log: Logger },
  name: string,
  headers: Headers,
  body: Buffer,
): Promise<HookResult> {
  const hook = Object.hasOwn(deps.config.hooks.in, name) ? deps.config.hooks.in[name] : undefined;
  if (!hook) return { status: 404, body: { error: `no inbound hook "${name}" (hooks.in.${name})` } };
  if (!authorised(hook, headers, body)) {
    deps.log.warn(
      { event: 'hook.bad_signature', hook: name },
      'inbound webhook refused: bad or missing credentials',
    );
    return { status: 401, body: { error: 'bad or missing token or signature' } };
  }
  const items = records(body);
  if (typeof items === 'string') return { status: 400, body: { error: items } };
  const work = async (): Promise<HookResult> => {
    try {
      const ids = await storeRecords(
        deps,
        hook.kind,
        items.map((item) => mapRecord(hook, item)),
      );
      const planned = await planCustomersNow(deps, ids);
      return { status: 200, body: { received: items.length, planned } };
    } catch (error) {
      if (error instanceof RecordsRefused)
        return { status: 400, body: { error: 'nothing was stored', errors: error.problems } };
      throw error;
    }
  };
  const key = header(headers, 'idempotency-key');
  return key ? once(deps, `in:${name}`, key.slice(0, 200), work) : work();
}
