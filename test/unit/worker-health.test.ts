/** The pieces of a worker's health report: the send counter, the row it writes, the config key. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { AppError } from '../../src/errors.js';
import { CircuitBreaker } from '../../src/deliver/breaker.js';
import { SendCounter } from '../../src/health/send-counter.js';
import { statusRow, type WorkerState } from '../../src/health/heartbeat.js';
import { verdict, workerView } from '../../src/health/worker-view.js';
import type { WorkerStatusRow } from '../../src/db/worker-status.js';

const T0 = Date.parse('2027-03-10T15:00:00Z');

function load(yaml: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'rapport-heartbeat-config-')), 'rapport.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ file, env: {}, templateExists: () => true }).config;
}

describe('SendCounter', () => {
  it('counts what was sent in the last 60 seconds only', () => {
    const counter = new SendCounter();
    for (let i = 0; i < 5; i++) counter.add(T0 + i * 100);
    counter.add(T0 + 30_000);
    expect(counter.lastMinute(T0 + 30_000)).toBe(6);
    expect(counter.lastMinute(T0 + 59_999)).toBe(6);
    expect(counter.lastMinute(T0 + 60_000)).toBe(1);
    // A bucket reused a minute later starts again from zero.
    counter.add(T0 + 120_000);
    expect(counter.lastMinute(T0 + 120_000)).toBe(1);
  });
});

describe('statusRow', () => {
  const who = { workerId: 'h:1:abcdef', host: 'h', pid: 1, version: '1.2.3', startedAt: T0 - 1000 };
  const state = (breaker: CircuitBreaker, relay: string | null): WorkerState => ({
    breaker,
    relayError: () => relay,
    lastTickAt: () => null,
    sentLastMinute: () => 0,
  });

  it('reports the breaker closed, open (with when it opened and reopens) and half-open', () => {
    let now = T0;
    const breaker = new CircuitBreaker({ now: () => now, openMs: 15_000 });
    expect(statusRow(who, state(breaker, null), 15_000, now)).toMatchObject({
      relay: 'ok',
      breaker: 'closed',
      breaker_opened_at: null,
    });
    breaker.trip('the relay refused us before any message: 530 5.7.0 Authentication required');
    expect(statusRow(who, state(breaker, '530 5.7.0 Authentication required'), 15_000, now)).toMatchObject({
      relay: 'failing',
      relay_error: '530 5.7.0 Authentication required',
      breaker: 'open',
      breaker_opened_at: T0,
      breaker_reopens_at: T0 + 15_000,
      breaker_reason: 'the relay refused us before any message: 530 5.7.0 Authentication required',
    });
    now = T0 + 15_000;
    expect(statusRow(who, state(breaker, 'x'), 15_000, now)).toMatchObject({
      breaker: 'half-open',
      breaker_opened_at: T0,
      breaker_reopens_at: null,
    });
  });
});

describe('worker.heartbeat', () => {
  it('defaults to 15 s and refuses less than a second', () => {
    expect(load('business: { name: X }\n').worker.heartbeat).toBe(15_000);
    expect(load('worker: { heartbeat: 30s }\n').worker.heartbeat).toBe(30_000);
    try {
      load('worker: { heartbeat: 500ms }\n');
      expect.unreachable('a 500ms heartbeat was accepted');
    } catch (error) {
      expect([...(error as AppError).details].join('\n')).toContain('worker.heartbeat: use at least 1s');
    }
  });
});

describe('the verdict on the workers', () => {
  const at = (ms: number) => new Date(ms).toISOString();
  const base: WorkerStatusRow = {
    worker_id: 'h:1:aaaaaa',
    host: 'h',
    pid: 1,
    version: '1.0.0',
    started_at: T0 - 3_600_000,
    heartbeat_at: T0 - 10_000,
    heartbeat_ms: 15_000,
    stopped_at: null,
    relay: 'ok',
    relay_error: null,
    breaker: 'closed',
    breaker_opened_at: null,
    breaker_reopens_at: null,
    breaker_reason: null,
    last_tick_at: null,
    sent_last_minute: 0,
  };
  const view = (over: Partial<WorkerStatusRow>) => workerView({ ...base, ...over }, T0);

  it('judges alive against the worker’s own interval, three beats', () => {
    expect(view({ heartbeat_at: T0 - 45_000 }).liveness).toBe('alive');
    expect(view({ heartbeat_at: T0 - 45_001 }).liveness).toBe('silent');
    expect(view({ heartbeat_at: T0 - 45_001, heartbeat_ms: 60_000 }).liveness).toBe('alive');
    expect(view({ stopped_at: T0 - 5_000 }).liveness).toBe('stopped');
  });

  it('says what matters first, in words', () => {
    expect(verdict([view({})], at)).toEqual({
      level: 'ok',
      text: 'All is well: 1 worker running, the relay accepting mail.',
    });
    expect(verdict([view({ stopped_at: T0 - 5_000 })], at)).toEqual({
      level: 'trouble',
      text: 'No worker is running: nothing is planned or sent.',
    });
    const silent = verdict([view({}), view({ worker_id: 'h:2:bbbbbb', heartbeat_at: T0 - 600_000 })], at);
    expect(silent.level).toBe('warning');
    expect(silent.text).toBe(
      `1 worker has not been heard from since ${at(T0 - 600_000)} (stopped without saying so, or cannot reach the database).`,
    );
    const paused = verdict(
      [view({ breaker: 'open', breaker_reopens_at: T0 + 5_000, breaker_reason: 'the relay refused us' })],
      at,
    );
    expect(paused).toEqual({
      level: 'trouble',
      text: 'Sending is paused on every running worker: the relay refused us.',
    });
    // A stopped worker's old breaker is not news.
    expect(verdict([view({}), view({ worker_id: 'x', stopped_at: T0, breaker: 'open' })], at).level).toBe(
      'ok',
    );
  });
});
