/**
 * Reading each shop's documented payloads: Shopify and WooCommerce orders and customers,
 * Square payments and customers, Stripe checkout sessions, payment intents and charges.
 */
import { list, minorUnits, obj, type Reading, type ShopItem, str, when } from './intake.js';

type Json = Record<string, unknown>;

function named(
  email: string | null,
  first: unknown,
  last: unknown,
  subscribed?: boolean,
): Reading | undefined {
  if (!email) return undefined;
  return {
    kind: 'intake',
    customer: {
      email,
      first_name: str(first),
      last_name: str(last),
      ...(subscribed === undefined ? {} : { subscribed }),
    },
  };
}

function noEmail(topic: string): Reading {
  return { kind: 'unusable', topic, reason: 'the payload has no customer email address' };
}

/** Shopify's marketing consent: `email_marketing_consent.state`, or the older `accepts_marketing`. */
function shopifyConsent(customer: Json): boolean | undefined {
  const state = str(obj(customer.email_marketing_consent).state);
  if (state) return state === 'subscribed';
  return typeof customer.accepts_marketing === 'boolean' ? customer.accepts_marketing : undefined;
}

/** Shopify: `orders/create`, `orders/paid`, `customers/create`, `customers/update`. */
export function readShopify(topic: string, body: Json, now: number): Reading {
  if (topic === 'customers/create' || topic === 'customers/update') {
    return named(str(body.email), body.first_name, body.last_name, shopifyConsent(body)) ?? noEmail(topic);
  }
  if (topic !== 'orders/create' && topic !== 'orders/paid') return { kind: 'ignored', topic };
  const customer = obj(body.customer);
  const email = str(body.email) ?? str(body.contact_email) ?? str(customer.email);
  const reading = named(email, customer.first_name, customer.last_name, shopifyConsent(customer));
  if (!reading || reading.kind !== 'intake') return noEmail(topic);
  const items: ShopItem[] = list(body.line_items).map((item) => ({
    name: str(item.title) ?? str(item.name) ?? '',
    quantity: Number(item.quantity ?? 1),
    ...given('price', str(item.price)),
    ...given('sku', str(item.sku)),
  }));
  const currency = str(body.currency) ?? '';
  // Shopify ids pass 2^53, so JSON.parse rounds `id`; the GraphQL id keeps every digit.
  const gid = /\/(\d+)$/.exec(str(body.admin_graphql_api_id) ?? '')?.[1];
  reading.purchase = {
    id: `shopify:${gid ?? str(body.id) ?? ''}`,
    occurred_at: when(body.created_at ?? body.processed_at, now),
    total: str(body.total_price) ?? '0',
    currency,
    items,
    ...given('order', str(body.name)),
  };
  return reading;
}

/** WooCommerce: `order.created`, `order.updated` (once processing or completed), `customer.created|updated`. */
export function readWooCommerce(topic: string, body: Json, now: number): Reading {
  if (topic === 'customer.created' || topic === 'customer.updated') {
    return named(str(body.email), body.first_name, body.last_name) ?? noEmail(topic);
  }
  if (topic !== 'order.created' && topic !== 'order.updated') return { kind: 'ignored', topic };
  const status = str(body.status);
  if (status !== 'processing' && status !== 'completed')
    return { kind: 'ignored', topic: `${topic} (${status ?? 'no status'})` };
  const billing = obj(body.billing);
  const reading = named(str(billing.email), billing.first_name, billing.last_name);
  if (!reading || reading.kind !== 'intake') return noEmail(topic);
  reading.purchase = {
    id: `woocommerce:${str(body.id) ?? ''}`,
    occurred_at: when(body.date_paid_gmt ?? body.date_created_gmt, now),
    total: str(body.total) ?? '0',
    currency: str(body.currency) ?? '',
    items: list(body.line_items).map((item) => ({
      name: str(item.name) ?? '',
      quantity: Number(item.quantity ?? 1),
      ...given('price', str(item.total)),
      ...given('sku', str(item.sku)),
    })),
    ...given('order', str(body.number)),
  };
  return reading;
}

/** Square: `payment.created|updated` once COMPLETED (with the buyer's email), `customer.created|updated`. */
export function readSquare(body: Json, now: number): Reading {
  const topic = str(body.type) ?? '';
  const object = obj(obj(body.data).object);
  if (topic === 'customer.created' || topic === 'customer.updated') {
    const customer = obj(object.customer);
    return named(str(customer.email_address), customer.given_name, customer.family_name) ?? noEmail(topic);
  }
  if (topic !== 'payment.created' && topic !== 'payment.updated') return { kind: 'ignored', topic };
  const payment = obj(object.payment);
  if (str(payment.status) !== 'COMPLETED')
    return { kind: 'ignored', topic: `${topic} (${str(payment.status) ?? 'no status'})` };
  const reading = named(str(payment.buyer_email_address), null, null);
  if (!reading || reading.kind !== 'intake') return noEmail(topic);
  const money = obj(payment.total_money ?? payment.amount_money);
  const currency = str(money.currency) ?? '';
  reading.purchase = {
    id: `square:${str(payment.order_id) ?? str(payment.id) ?? ''}`,
    occurred_at: when(payment.created_at, now),
    total: minorUnits(money.amount, currency) ?? '0',
    currency,
    items: [],
    ...given('order', str(payment.receipt_number)),
  };
  return reading;
}

/** Stripe: `checkout.session.completed`, `payment_intent.succeeded`, `charge.succeeded`, `customer.created|updated`. */
export function readStripe(body: Json, now: number): Reading {
  const topic = str(body.type) ?? '';
  const object = obj(obj(body.data).object);
  if (topic === 'customer.created' || topic === 'customer.updated') {
    const [first, ...rest] = (str(object.name) ?? '').split(' ');
    return named(str(object.email), first, rest.join(' ')) ?? noEmail(topic);
  }
  let email: string | null;
  let name: string | null;
  let amount: unknown;
  // One payment is one purchase whichever of these events arrive: all are keyed by the payment intent.
  let key = str(object.payment_intent) ?? str(object.id);
  if (topic === 'checkout.session.completed') {
    if (str(object.payment_status) !== 'paid')
      return { kind: 'ignored', topic: `${topic} (${str(object.payment_status) ?? 'unpaid'})` };
    const details = obj(object.customer_details);
    [email, name, amount] = [
      str(details.email) ?? str(object.customer_email),
      str(details.name),
      object.amount_total,
    ];
  } else if (topic === 'payment_intent.succeeded') {
    key = str(object.id);
    [email, name, amount] = [str(object.receipt_email), null, object.amount_received ?? object.amount];
  } else if (topic === 'charge.succeeded') {
    const billing = obj(object.billing_details);
    [email, name, amount] = [
      str(billing.email) ?? str(object.receipt_email),
      str(billing.name),
      object.amount,
    ];
  } else return { kind: 'ignored', topic };
  const [first, ...rest] = (name ?? '').split(' ');
  const reading = named(email, first, rest.join(' '));
  if (!reading || reading.kind !== 'intake') return noEmail(topic);
  const currency = (str(object.currency) ?? '').toUpperCase();
  reading.purchase = {
    id: `stripe:${key ?? ''}`,
    occurred_at: when(object.created ?? body.created, now),
    total: minorUnits(amount, currency) ?? '0',
    currency,
    items: [],
  };
  return reading;
}

/** `{ key: value }` when the shop sent a non-empty value, `{}` otherwise: no empty fields stored. */
function given<K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  if (value) out[key] = value;
  return out;
}
