import { describe, expect, expectTypeOf, it } from 'vitest';
import { Emitter, type AppEventMap } from '../../src/events.js';
import type { DeliveryKey } from '../../src/delivery-key.js';

const KEY: DeliveryKey = { automationId: 'birthday', customerId: 'c1', occurrence: '2026-03-14' };

function recordingLog(): { lines: object[]; error(obj: object): void } {
  const lines: object[] = [];
  return { lines, error: (obj) => lines.push(obj) };
}

describe('Emitter', () => {
  it('calls each listener with the payload, in the order they were added', () => {
    const events = new Emitter<AppEventMap>();
    const heard: string[] = [];
    events.on('delivery:sent', ({ key, ms }) => heard.push(`a ${key.customerId} ${ms}`));
    events.on('delivery:sent', ({ ms }) => heard.push(`b ${ms}`));
    events.on('breaker:close', () => heard.push('other event'));
    events.emit('delivery:sent', { key: KEY, id: 1, ms: 12 });
    expect(heard).toEqual(['a c1 12', 'b 12']);
  });

  it('stops calling a listener once it is unsubscribed, and keeps the others', () => {
    const events = new Emitter<AppEventMap>();
    const heard: number[] = [];
    const off = events.on('templates:reloaded', ({ revision }) => heard.push(revision));
    events.on('templates:reloaded', ({ revision }) => heard.push(-revision));
    events.emit('templates:reloaded', { revision: 1 });
    off();
    off(); // twice is harmless
    events.emit('templates:reloaded', { revision: 2 });
    expect(heard).toEqual([1, -1, -2]);
  });

  it('once resolves with the next payload, typed, and with the first one that matches', async () => {
    const events = new Emitter<AppEventMap>();
    const next = events.once('tick:end');
    const big = events.once('tick:end', (p) => p.inserted > 5);
    expectTypeOf(next).resolves.toEqualTypeOf<AppEventMap['tick:end']>();
    events.emit('tick:end', { at: 1, planned: 3, inserted: 2, ms: 4 });
    events.emit('tick:end', { at: 2, planned: 9, inserted: 7, ms: 5 });
    await expect(next).resolves.toEqual({ at: 1, planned: 3, inserted: 2, ms: 4 });
    await expect(big).resolves.toMatchObject({ at: 2, inserted: 7 });
  });

  it('once stops listening after it resolved', async () => {
    const events = new Emitter<AppEventMap>();
    let calls = 0;
    const next = events.once('breaker:open', () => {
      calls++;
      return true;
    });
    const open = { reason: 'relay down', reply: '421 down', stage: null, refused: false };
    events.emit('breaker:open', { ...open, retryAt: 10 });
    events.emit('breaker:open', { ...open, retryAt: 20 });
    await expect(next).resolves.toEqual({ ...open, retryAt: 10 });
    expect(calls).toBe(1);
  });

  it('a listener that throws is logged, and neither the emitter nor the other listeners see it', () => {
    const log = recordingLog();
    const events = new Emitter<AppEventMap>(log);
    const heard: number[] = [];
    events.on('batch:end', () => {
      throw new Error('metrics exploded');
    });
    events.on('batch:end', ({ sent }) => heard.push(sent));
    const report = {
      claimed: 2,
      sent: 2,
      retried: 0,
      deferred: 0,
      failed: 0,
      suppressed: 0,
      skipped: 0,
      expired: 0,
      released: 0,
    };
    expect(() => events.emit('batch:end', report)).not.toThrow();
    expect(heard).toEqual([2]);
    expect(log.lines).toEqual([
      { event: 'events.listener_failed', name: 'batch:end', error: 'metrics exploded' },
    ]);
  });

  it('emitting with no listener does nothing', () => {
    const events = new Emitter<AppEventMap>();
    expect(() => events.emit('automations:reloaded', { revision: 3 })).not.toThrow();
  });
});
