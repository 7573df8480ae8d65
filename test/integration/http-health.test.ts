/**
 * Health, readiness and metrics over real HTTP, on both databases, with a worker health the
 * test controls; and the server's answers to unknown paths and wrong methods.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { startTestHttp, type TestHttp } from '../support/http.js';
import { openTestRuntime } from '../support/runtime.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { runTick } from '../../src/schedule/tick.js';
import type { DbRuntime } from '../../src/runtime.js';
import { customer } from '../support/records.js';

// 15:00 UTC is 10:00 in New York: a birthday there at 09:00 is due.
const readiness = async (res: Response) =>
  (await res.json()) as { status: string; checks: Record<string, string> };

const NOW = Date.parse('2027-03-10T15:00:00Z');

describe.each(databases())('health and routing over HTTP on %s', (db) => {
  const url = db.fresh('test');
  let rt: DbRuntime;
  let http: TestHttp;

  beforeEach(async () => {
    rt = await openTestRuntime({ databaseUrl: url(), smtpUrl: 'file:/nonexistent', now: () => NOW });
    http = await startTestHttp(rt);
  });
  afterEach(async () => {
    await http?.close();
    await rt?.close();
  });

  const get = (path: string, init?: RequestInit) => fetch(`${http.url}${path}`, init);

  it('/healthz answers 200', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when ready, 503 while the breaker is open or the last tick is stale', async () => {
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', scheduler: 'ok', sending: 'ok' },
    });

    http.health.breaker = true;
    const paused = await get('/readyz');
    expect(paused.status).toBe(503);
    expect((await readiness(paused)).checks).toMatchObject({
      database: 'ok',
      scheduler: 'ok',
      sending: expect.stringMatching(/^paused/),
    });
    http.health.breaker = false;

    http.health.lastTick = NOW - http.health.staleAfterMs - 1;
    const stale = await get('/readyz');
    expect(stale.status).toBe(503);
    expect((await readiness(stale)).checks).toMatchObject({
      scheduler: expect.stringMatching(/^no tick since /),
      sending: 'ok',
    });

    // Never ticked: judged from the start time.
    http.health.lastTick = null;
    expect((await get('/readyz')).status).toBe(200);
    http.health.startedAt = NOW - http.health.staleAfterMs - 1;
    expect((await get('/readyz')).status).toBe(503);
    http.health.startedAt = NOW;

    http.health.error = 'the database is locked';
    const failing = await get('/readyz');
    expect(failing.status).toBe(503);
    expect((await readiness(failing)).checks.delivery).toMatch(/database is locked/);
  });

  it('/metrics is Prometheus text with deliveries by automation and status', async () => {
    await upsertCustomers(
      rt.db.knex,
      [customer('ann', { first_name: 'Ann', birthday: '03-10', timezone: 'America/New_York' })],
      NOW - 86_400_000,
    );
    await runTick(rt.db, rt.config, NOW);
    http.health.sendLatency.observe(0.5);

    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    expect(text).toContain('# TYPE rapport_deliveries gauge');
    expect(text).toContain('rapport_deliveries{automation="birthday",status="pending"} 1\n');
    expect(text).toContain('rapport_queue_due 1\n');
    expect(text).toContain(`rapport_last_tick_seconds ${NOW / 1000}\n`);
    expect(text).toContain('rapport_sending_paused 0\n');
    expect(text).toContain('rapport_send_seconds_bucket{le="1"} 1\n');
    expect(text).toContain('rapport_send_seconds_count 1\n');
    // Every line is a comment or `name{labels} value`.
    for (const line of text.trimEnd().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|[a-z_]+(\{[^}]*\})? -?[0-9.e+]+)$/);
    }
  });

  it('answers an unknown path with a JSON 404 and a wrong method with 405 and Allow', async () => {
    for (const path of ['/', '/nope', '/api/orders', '/healthz/extra', '/u/']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(await res.json(), path).toEqual({ error: 'not found' });
    }
    const cases: Array<[string, string, string]> = [
      ['DELETE', '/healthz', 'GET, HEAD'],
      ['POST', '/metrics', 'GET'],
      ['GET', '/api/customers', 'POST'],
      ['PUT', '/u/some.token', 'GET, HEAD, POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await get(path, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
      expect(await res.json()).toEqual({ error: 'method not allowed' });
    }
  });
});
