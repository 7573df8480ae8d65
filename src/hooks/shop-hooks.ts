/**
 * `POST /hooks/shopify|woocommerce|square|stripe`, as a function of (headers, raw body) → result,
 * so any HTTP server can carry it. Order: configured? signature (401, nothing stored) → JSON →
 * topic → once per delivery id → customer and purchase stored and planned.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { obj, type Reading, str } from './intake.js';
import { readShopify, readSquare, readStripe, readWooCommerce } from './shops.js';
import { deliveryKey, type HookResult, once, takeIn, type TakeInDeps } from './take-in.js';
import {
  header,
  type Headers,
  verifyShopify,
  verifySquare,
  verifyStripe,
  verifyWooCommerce,
} from './verify.js';

export const SHOPS = ['shopify', 'woocommerce', 'square', 'stripe'] as const;
export type Shop = (typeof SHOPS)[number];

export interface ShopHookDeps extends TakeInDeps {
  log: Logger;
}

interface ShopRequest {
  verified: boolean;
  topic: string;
  delivery: string | null;
  read(body: Record<string, unknown>, now: number): Reading;
}

/** What each platform's request says, or undefined when the platform is not configured. */
function describe(
  shop: Shop,
  hooks: Config['hooks'],
  headers: Headers,
  raw: Buffer,
  now: number,
  body: Record<string, unknown>,
): ShopRequest | undefined {
  switch (shop) {
    case 'shopify': {
      if (!hooks.shopify) return undefined;
      const topic = header(headers, 'x-shopify-topic') ?? '';
      return {
        verified: verifyShopify(headers, raw, hooks.shopify.secret),
        topic,
        delivery: header(headers, 'x-shopify-webhook-id') ?? header(headers, 'x-shopify-event-id') ?? null,
        read: (b, n) => readShopify(topic, b, n),
      };
    }
    case 'woocommerce': {
      if (!hooks.woocommerce) return undefined;
      const topic = header(headers, 'x-wc-webhook-topic') ?? '';
      return {
        verified: verifyWooCommerce(headers, raw, hooks.woocommerce.secret),
        topic,
        delivery: header(headers, 'x-wc-webhook-delivery-id') ?? null,
        read: (b, n) => readWooCommerce(topic, b, n),
      };
    }
    case 'square':
      if (!hooks.square) return undefined;
      return {
        verified: verifySquare(headers, raw, hooks.square.signature_key, hooks.square.notification_url),
        topic: str(body.type) ?? '',
        delivery: str(body.event_id),
        read: readSquare,
      };
    case 'stripe':
      if (!hooks.stripe) return undefined;
      return {
        verified: verifyStripe(headers, raw, hooks.stripe.secret, hooks.stripe.tolerance, now),
        topic: str(body.type) ?? '',
        delivery: str(body.id),
        read: readStripe,
      };
  }
}

function parseJson(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? obj(value) : undefined;
  } catch {
    return undefined;
  }
}

export async function handleShopHook(
  deps: ShopHookDeps,
  shop: Shop,
  headers: Headers,
  raw: Buffer,
): Promise<HookResult> {
  const now = deps.now();
  const body = parseJson(raw);
  const request = describe(shop, deps.config.hooks, headers, raw, now, body ?? {});
  if (!request)
    return { status: 404, body: { error: `the ${shop} webhook is not configured (hooks.${shop})` } };
  if (!request.verified) {
    deps.log.warn({ event: 'hook.bad_signature', shop }, 'webhook refused: bad or missing signature');
    return { status: 401, body: { error: 'bad or missing signature' } };
  }
  if (!body) {
    // WooCommerce pings a new webhook with a form body; any other non-JSON body is no order either.
    deps.log.info({ event: 'hook.not_json', shop }, 'webhook body is not a JSON object; ignored');
    return { status: 200, body: { ignored: 'not a JSON object' } };
  }
  const reading = request.read(body, now);
  if (reading.kind !== 'intake') {
    const detail = reading.kind === 'unusable' ? reading.reason : 'topic not used';
    deps.log.info(
      { event: `hook.${reading.kind}`, shop, topic: reading.topic, detail },
      'webhook taken no further',
    );
    return { status: 200, body: { ignored: reading.topic, reason: detail } };
  }
  const result = await once(deps, shop, deliveryKey(request.delivery, raw), () => takeIn(deps, reading));
  const logged = { event: 'hook.received', shop, topic: request.topic, ...result.body };
  if (result.body.refused) deps.log.warn(logged, 'webhook records refused');
  else deps.log.info(logged, 'webhook taken in');
  return result;
}
