/**
 * The ingestion API over real HTTP, on both databases: auth, content type, body limits and
 * per-row errors, all-or-nothing writes, idempotent upserts, and events planned at once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { startTestHttp, type TestHttp } from '../support/http.js';
import { openTestRuntime, REPO } from '../support/runtime.js';
import { countCustomers, getCustomer } from '../../src/db/customers.js';
import { ALL_MARKETING, optOutsFor, setConsent } from '../../src/db/consent.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import type { DbRuntime } from '../../src/runtime.js';

const NOW = Date.parse('2027-03-10T15:00:00Z');
const TOKEN = 'api-token-0123456789';
const SHIPPED = parse(readFileSync(join(REPO, 'config/rapport.yaml'), 'utf8')) as { automations: unknown[] };
const INSTANT = {
  id: 'instant-thanks',
  on: { event: 'purchase' },
  template: 'thank-you',
  transactional: true,
};

/** What the API answers, success or failure. */
interface Answer {
  error: string;
  errors: Array<{ line: number; field: string; reason: string; message: string }>;
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  planned: number;
  kept_unsubscribed: number;
}
const answer = async (res: Response) => (await res.json()) as Answer;

const person = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  email: `${id}@example.com`,
  ...over,
});

describe.each(databases())('the API over HTTP on %s', (db) => {
  const url = db.fresh('test');
  let rt: DbRuntime;
  let http: TestHttp;

  beforeEach(async () => {
    rt = await openTestRuntime({
      databaseUrl: url(),
      smtpUrl: 'file:/nonexistent',
      now: () => NOW,
      config: { automations: [...SHIPPED.automations, INSTANT] },
    });
    http = await startTestHttp(rt, { apiToken: TOKEN });
  });
  afterEach(async () => {
    await http?.close();
    await rt?.close();
  });

  function send(path: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
    return fetch(`${http.url}${path}`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    });
  }
  const postJson = (path: string, value: unknown) => send(path, JSON.stringify(value));
  const stored = () => countCustomers(rt.db.knex);

  it('refuses numeric ids beyond 2^53 and lone surrogates, naming record and field, storing nothing', async () => {
    const big = await send(
      '/api/customers',
      '[{"id":"ok","email":"ok@example.com"},{"id":9007199254740993,"email":"a@example.com"}]',
    );
    expect(big.status).toBe(400);
    const bigAnswer = await answer(big);
    expect(bigAnswer.errors.map((e) => e.message)).toEqual([
      'line 2: id: is a whole number beyond 2^53, which JSON numbers cannot hold exactly (it reads as 9007199254740992); send ids as strings',
    ]);
    const lone = await send('/api/customers', '{"id":"c1","email":"a@example.com","last_name":"Lee\\ud800"}');
    expect(lone.status).toBe(400);
    expect((await answer(lone)).errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^line 1: last_name: contains a lone UTF-16 surrogate \(\\ud800\)/),
    ]);
    expect(await stored()).toBe(0);
  });

  it('refuses requests without the right bearer token, and is absent when no token is configured', async () => {
    const body = JSON.stringify([person('c1')]);
    const cases: Array<Record<string, string>> = [
      { authorization: '' },
      { authorization: 'Bearer wrong-token' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` },
      { authorization: TOKEN },
    ];
    for (const headers of cases) {
      const res = await send('/api/customers', body, headers);
      expect(res.status, headers.authorization).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await answer(res)).toMatchObject({ error: expect.any(String) });
    }

    const off = await startTestHttp(rt);
    try {
      const res = await fetch(`${off.url}/api/customers`, {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      });
      expect(res.status).toBe(404);
      expect((await answer(res)).error).toMatch(/RAPPORT_API_TOKEN/);
    } finally {
      await off.close();
    }
    expect(await stored()).toBe(0);
  });

  it('answers 415 for another content type and 400 for bad JSON', async () => {
    const wrongType = await send('/api/customers', JSON.stringify(person('c1')), {
      'content-type': 'text/plain',
    });
    expect(wrongType.status).toBe(415);
    const form = await send('/api/customers', 'id=c1', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    const charset = await send('/api/customers', JSON.stringify(person('c0')), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(charset.status).toBe(200);

    for (const body of ['{"id": "c1",', '', 'null', '[]', '[1, 2]', '"text"']) {
      const res = await send('/api/customers', body);
      expect(res.status, body).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect((await answer(res)).error, body).toEqual(expect.any(String));
    }
    expect(await stored()).toBe(1);
  });

  it('reports every bad row as {line, field, reason, message} and stores nothing of a mixed request', async () => {
    const typed = await postJson('/api/customers', { id: 'c1', email: 5 });
    expect(typed.status).toBe(400);
    const typedBody = await answer(typed);
    expect(typedBody.errors).toEqual([
      {
        line: 1,
        field: 'email',
        reason: expect.any(String),
        message: expect.stringMatching(/^line 1: email: /),
      },
    ]);

    const mixed = await postJson('/api/customers', [
      person('good-1'),
      person('bad-1', { email: 'not an address' }),
      person('good-2', { birthday: '1990-02-30', subscribed: 'maybe' }),
      person('good-3'),
      { email: 'no-id@example.com' },
    ]);
    expect(mixed.status).toBe(400);
    const body = await answer(mixed);
    expect(body.error).toMatch(/nothing was stored/);
    expect(body.errors.map((e) => [e.line, e.field])).toEqual([
      [2, 'email'],
      [3, 'birthday'],
      [3, 'subscribed'],
      [5, 'id'],
    ]);
    for (const e of body.errors) expect(e.message).toBe(`line ${e.line}: ${e.field}: ${e.reason}`);

    const dupes = await postJson('/api/customers', [person('d1'), person('d2'), person('d1')]);
    expect(dupes.status).toBe(400);
    expect((await answer(dupes)).errors).toEqual([expect.objectContaining({ line: 3, field: 'id' })]);

    const orphan = await postJson('/api/events', [
      { id: 'e1', customer_id: 'ghost', type: 'purchase', occurred_at: '2027-03-10T14:00:00Z' },
    ]);
    expect(orphan.status).toBe(400);
    expect((await answer(orphan)).errors).toEqual([
      expect.objectContaining({ line: 1, field: 'customer_id' }),
    ]);

    expect(await stored()).toBe(0);
    expect(await listDeliveries(rt.db.knex, {})).toEqual([]);
  });

  it('refuses a 10k-item array and an oversized body with a clean 413, storing nothing', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => person(`c${i}`));
    const big = await postJson('/api/customers', many);
    expect(big.status).toBe(413);
    expect((await answer(big)).error).toMatch(/at most/);

    // More than 2 MB, declared up front.
    const huge = JSON.stringify([person('h1', { note: 'x'.repeat(2.5 * 1024 * 1024) })]);
    const declared = await send('/api/customers', huge);
    expect(declared.status).toBe(413);
    expect((await answer(declared)).error).toMatch(/larger than/);
    // The server answers without reading the rest, then hangs up rather than draining it.
    expect(declared.headers.get('connection')).toBe('close');

    // More than 2 MB, streamed without a Content-Length.
    const streamed = await streamBody(`${http.url}/api/customers`, huge);
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).error).toMatch(/larger than/);
    expect(streamed.connection).toBe('close');

    // The server still answers.
    expect((await postJson('/api/customers', person('after'))).status).toBe(200);
    expect(await stored()).toBe(1);

    // No refused upload is left holding a connection open: closing does not wait for one.
    const closing = Date.now();
    await http.close();
    expect(Date.now() - closing).toBeLessThan(2000);
  });

  it('upserts customers with counts, idempotently', async () => {
    const rows = [person('c1', { first_name: 'Ann' }), person('c2', { tags: ['vip'] })];
    const first = await postJson('/api/customers', rows);
    expect(first.status).toBe(200);
    expect(await answer(first)).toMatchObject({ received: 2, inserted: 2, updated: 0, unchanged: 0 });

    const again = await postJson('/api/customers', rows);
    expect(await answer(again)).toMatchObject({ received: 2, inserted: 0, updated: 0, unchanged: 2 });

    const changed = await postJson('/api/customers', person('c1', { first_name: 'Anne' }));
    expect(await answer(changed)).toMatchObject({ received: 1, inserted: 0, updated: 1, unchanged: 0 });
    expect(await stored()).toBe(2);
  });

  it('merges a record into the stored one and never re-subscribes an opted-out address', async () => {
    await postJson(
      '/api/customers',
      person('c1', { first_name: 'Ann', birthday: '1990-05-17', plan: 'gold' }),
    );
    await setConsent(rt.db.knex, 'C1@example.com', [{ scope: ALL_MARKETING, optedOut: true }], 'link', NOW);
    const res = await postJson('/api/customers', [
      person('c1', { subscribed: true, last_name: 'Lee', plan: null }),
      person('c1-new', { email: 'C1@EXAMPLE.com', subscribed: true }),
    ]);
    expect(await answer(res)).toMatchObject({ inserted: 1, updated: 1, kept_unsubscribed: 2 });
    expect(await getCustomer(rt.db.knex, 'c1')).toMatchObject({
      first_name: 'Ann',
      last_name: 'Lee',
      birthday: '1990-05-17',
      attributes: { plan: 'gold' },
    });
    const optOuts = await optOutsFor(rt.db.knex, [{ id: 'c1-new', email: 'C1@EXAMPLE.com' }]);
    expect(optOuts.get('c1-new')?.has(ALL_MARKETING)).toBe(true);
  });

  it('plans an event at once: an after-0 thank-you is pending before the response returns', async () => {
    expect((await postJson('/api/customers', person('buyer'))).status).toBe(200);
    const wakesBefore = http.wakes;
    const occurred = new Date(NOW - 60_000).toISOString();
    const res = await postJson('/api/events', {
      id: 'order-77',
      customer_id: 'buyer',
      type: 'purchase',
      occurred_at: occurred,
    });
    expect(res.status).toBe(200);
    const body = await answer(res);
    expect(body).toMatchObject({ received: 1, inserted: 1 });
    expect(body.planned).toBeGreaterThanOrEqual(1);
    expect(http.wakes).toBeGreaterThan(wakesBefore);

    const [instant] = await listDeliveries(rt.db.knex, { automationId: 'instant-thanks' });
    expect(instant).toMatchObject({
      customer_id: 'buyer',
      occurrence: 'order-77',
      status: 'pending',
      due_at: NOW - 60_000,
    });

    const again = await postJson('/api/events', {
      id: 'order-77',
      customer_id: 'buyer',
      type: 'purchase',
      occurred_at: occurred,
    });
    expect(await answer(again)).toMatchObject({ unchanged: 1, planned: 0 });
    expect(await listDeliveries(rt.db.knex, { automationId: 'instant-thanks' })).toHaveLength(1);
  });

  it('stores content items', async () => {
    const item = {
      id: 'post-1',
      title: 'New beans',
      url: 'https://corner.example/beans',
      published_at: '2027-03-09T12:00:00Z',
    };
    const res = await postJson('/api/content', [item]);
    expect(res.status).toBe(200);
    expect(await answer(res)).toEqual({ received: 1, inserted: 1, updated: 0, unchanged: 0 });
    const feed = await (await fetch(`${http.url}/feed.xml`)).text();
    expect(feed).toContain('New beans');
  });
});

/** POST `body` with chunked transfer encoding (no Content-Length), in 64 KB pieces. */
function streamBody(
  url: string,
  body: string,
): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            connection: res.headers.connection,
            body: Buffer.concat(parts).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const data = Buffer.from(body);
    let offset = 0;
    const pump = (): void => {
      while (offset < data.length) {
        const chunk = data.subarray(offset, offset + 65_536);
        offset += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}
