/**
 * Shop webhooks over real HTTP on both databases: each platform's signature scheme on the raw
 * body (valid, tampered, missing, stale), purchases that fire the thank-you at once, redelivery
 * as a no-op, unknown topics answered 200, and the generic inbound hook.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countCustomers, getCustomer } from '../../src/db/customers.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { getEventsByIds } from '../../src/db/events.js';
import type { DbRuntime } from '../../src/runtime.js';
import { databases } from '../support/databases.js';
import { startTestHttp, type TestHttp } from '../support/http.js';
import { openTestRuntime, REPO } from '../support/runtime.js';

const NOW = Date.parse('2027-03-10T15:00:10Z');
const fixture = (name: string) => readFileSync(join(REPO, 'test/fixtures/hooks', name));
const SECRETS = {
  shopify: 'shpss_0123456789',
  woo: 'woo-secret-0123',
  square: 'sq-key-0123456789',
  stripe: 'whsec_0123456789',
};
const SQUARE_URL = 'https://shop.example/hooks/square';
const INSTANT = {
  id: 'instant-thanks',
  on: { event: 'purchase' },
  template: 'thank-you',
  transactional: true,
};

const b64 = (key: string, ...parts: Array<string | Buffer>) => {
  const mac = createHmac('sha256', key);
  for (const p of parts) mac.update(p);
  return mac.digest('base64');
};
const stripeHeader = (body: Buffer, t: number, key = SECRETS.stripe) =>
  `t=${t},v1=${createHmac('sha256', key).update(`${t}.`).update(body).digest('hex')}`;

describe.each(databases())('shop webhooks on %s', (db) => {
  const url = db.fresh('test');
  let rt: DbRuntime;
  let http: TestHttp;
  const post = (path: string, body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${http.url}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });

  beforeEach(async () => {
    rt = await openTestRuntime({
      databaseUrl: url(),
      smtpUrl: 'file:/nonexistent',
      now: () => NOW,
      config: {
        automations: [INSTANT],
        hooks: {
          shopify: { secret: SECRETS.shopify },
          woocommerce: { secret: SECRETS.woo },
          square: { signature_key: SECRETS.square, notification_url: SQUARE_URL },
          stripe: { secret: SECRETS.stripe, tolerance: '5m' },
          in: {
            bookings: {
              token: 'booking-token-123',
              kind: 'events',
              type: 'Booking',
              map: {
                ref: 'id',
                'client.email': 'customer_email',
                at: 'occurred_at',
                'service.name': 'service',
              },
            },
            pos: { secret: 'pos-secret-0123', kind: 'customers', map: {} },
          },
        },
      },
    });
    http = await startTestHttp(rt);
  });
  afterEach(async () => {
    await http?.close();
    await rt?.close();
  });

  it('Shopify: a signed order becomes a customer and a purchase planned at once; redelivery and tampering change nothing', async () => {
    const body = fixture('shopify-order.json');
    const headers = {
      'x-shopify-topic': 'orders/create',
      'x-shopify-hmac-sha256': b64(SECRETS.shopify, body),
      'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    };
    const tampered = Buffer.from(body.toString().replace('199.00', '1.00'));
    expect((await post('/hooks/shopify', tampered, headers)).status).toBe(401);
    expect((await post('/hooks/shopify', body, { ...headers, 'x-shopify-hmac-sha256': '' })).status).toBe(
      401,
    );
    expect(await countCustomers(rt.db.knex)).toBe(0);

    const first = await post('/hooks/shopify', body, headers);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      customer_id: 'jon@example.com',
      event_id: 'shopify:820982911946154508',
      planned: 1,
    });
    const customer = await getCustomer(rt.db.knex, 'jon@example.com');
    expect(customer).toMatchObject({ email: 'jon@example.com', first_name: 'John', subscribed: true });
    const event = (await getEventsByIds(rt.db.knex, ['shopify:820982911946154508'])).get(
      'shopify:820982911946154508',
    );
    expect(event).toMatchObject({ type: 'purchase', occurred_at: Date.parse('2027-03-10T15:00:00Z') });
    expect(event?.data).toMatchObject({
      total: '199.00',
      currency: 'USD',
      order: '#9999',
      items: [{ name: 'IPod Nano - 8GB', quantity: 1, sku: 'IPOD2008PINK' }],
    });
    expect((await listDeliveries(rt.db.knex, {})).map((d) => d.automation_id)).toEqual(['instant-thanks']);

    const again = await post('/hooks/shopify', body, headers);
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect(await listDeliveries(rt.db.knex, {})).toHaveLength(1);

    const unknown = await post('/hooks/shopify', body, {
      ...headers,
      'x-shopify-topic': 'products/update',
      'x-shopify-webhook-id': 'x2',
    });
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ ignored: 'products/update' });
  });

  it('WooCommerce: a processing order, signed over the raw body', async () => {
    const body = fixture('woocommerce-order.json');
    const headers = {
      'x-wc-webhook-topic': 'order.created',
      'x-wc-webhook-signature': b64(SECRETS.woo, body),
      'x-wc-webhook-delivery-id': '41',
    };
    expect(
      (
        await post('/hooks/woocommerce', body, {
          ...headers,
          'x-wc-webhook-signature': b64('wrong-secret', body),
        })
      ).status,
    ).toBe(401);
    const res = await post('/hooks/woocommerce', body, headers);
    expect(await res.json()).toMatchObject({
      customer_id: 'john.doe@example.com',
      event_id: 'woocommerce:727',
      planned: 1,
    });
  });

  it('Square: the signature covers the notification URL and the body', async () => {
    const body = fixture('square-payment.json');
    const bodyOnly = { 'x-square-hmacsha256-signature': b64(SECRETS.square, body) };
    expect((await post('/hooks/square', body, bodyOnly)).status).toBe(401);
    const res = await post('/hooks/square', body, {
      'x-square-hmacsha256-signature': b64(SECRETS.square, SQUARE_URL, body),
    });
    expect(await res.json()).toMatchObject({
      customer_id: 'amelia@example.com',
      event_id: 'square:03O3USaPaAaFnI6kkwB1JxGgBsUZY',
    });
    const event = (await getEventsByIds(rt.db.knex, ['square:03O3USaPaAaFnI6kkwB1JxGgBsUZY']))
      .values()
      .next().value;
    expect(event?.data).toMatchObject({ total: '12.50', currency: 'USD' });
  });

  it('Stripe: t=…,v1=… within the tolerance; a stale timestamp is refused', async () => {
    const body = fixture('stripe-checkout.json');
    const t = Math.floor(NOW / 1000);
    expect(
      (await post('/hooks/stripe', body, { 'stripe-signature': stripeHeader(body, t - 301) })).status,
    ).toBe(401);
    expect(
      (await post('/hooks/stripe', body, { 'stripe-signature': stripeHeader(body, t, 'whsec_other') }))
        .status,
    ).toBe(401);
    const res = await post('/hooks/stripe', body, {
      'stripe-signature': `${stripeHeader(body, t)},v0=ignored`,
    });
    expect(await res.json()).toMatchObject({
      customer_id: 'jenny.rosen@example.com',
      event_id: 'stripe:pi_3MtwBwLkdIwHu7ix28a3tqPa',
      planned: 1,
    });
    expect(await getCustomer(rt.db.knex, 'jenny.rosen@example.com')).toMatchObject({
      first_name: 'Jenny',
      last_name: 'Rosen',
    });
  });

  it('an existing customer keeps their record; the purchase joins it', async () => {
    const pos = JSON.stringify({
      id: 'c-77',
      email: 'jon@example.com',
      first_name: 'Jonathan',
      birthday: '1980-05-01',
    });
    const signed = {
      'x-rapport-signature': `sha256=${createHmac('sha256', 'pos-secret-0123').update(pos).digest('hex')}`,
    };
    expect((await post('/hooks/in/pos', pos, { 'x-rapport-signature': 'sha256=00' })).status).toBe(401);
    expect((await post('/hooks/in/pos', pos, signed)).status).toBe(200);
    const body = fixture('shopify-order.json');
    const res = await post('/hooks/shopify', body, {
      'x-shopify-topic': 'orders/paid',
      'x-shopify-hmac-sha256': b64(SECRETS.shopify, body),
    });
    expect(await res.json()).toMatchObject({ customer_id: 'c-77' });
    expect(await getCustomer(rt.db.knex, 'c-77')).toMatchObject({
      first_name: 'Jonathan',
      birthday: '1980-05-01',
    });
  });

  it('a generic hook maps body keys onto fields, with a bearer token', async () => {
    await post('/hooks/in/pos', JSON.stringify({ id: 'c1', email: 'ann@example.com' }), {
      'x-rapport-signature': `sha256=${createHmac('sha256', 'pos-secret-0123')
        .update(JSON.stringify({ id: 'c1', email: 'ann@example.com' }))
        .digest('hex')}`,
    });
    const booking = JSON.stringify({
      ref: 'b-1',
      at: '2027-03-10T14:00:00Z',
      client: { email: 'ann@example.com' },
      service: { name: 'Haircut' },
    });
    expect((await post('/hooks/in/bookings', booking, { authorization: 'Bearer nope' })).status).toBe(401);
    expect(
      (await post('/hooks/in/nothing', booking, { authorization: 'Bearer booking-token-123' })).status,
    ).toBe(404);
    const res = await post('/hooks/in/bookings', booking, {
      authorization: 'Bearer booking-token-123',
      'idempotency-key': 'k1',
    });
    expect(res.status).toBe(200);
    expect((await getEventsByIds(rt.db.knex, ['b-1'])).get('b-1')).toMatchObject({
      customer_id: 'c1',
      type: 'booking',
      data: { service: 'Haircut' },
    });
    const again = await post('/hooks/in/bookings', booking, {
      authorization: 'Bearer booking-token-123',
      'idempotency-key': 'k1',
    });
    expect(await again.json()).toMatchObject({ duplicate: true });
    const bad = await post('/hooks/in/bookings', JSON.stringify({ ref: 'b-2' }), {
      authorization: 'Bearer booking-token-123',
    });
    expect(bad.status).toBe(400);
  });
});
