/** The test helper that waits on a state the app's events lead to (test/support/events.ts). */
import { describe, expect, it } from 'vitest';
import { Emitter, type AppEventMap } from '../../src/events.js';
import { loopRetries, whenEvents } from '../support/events.js';

describe('whenEvents', () => {
  it('resolves at once when the state already holds, without any event', async () => {
    const events = new Emitter<AppEventMap>();
    await expect(whenEvents(events, ['batch:end'], () => true, 'already')).resolves.toBeUndefined();
  });

  it('checks again after each event and resolves once the state holds', async () => {
    const events = new Emitter<AppEventMap>();
    let state = 0;
    let settled = false;
    const done = whenEvents(events, ['breaker:close'], () => state >= 2, 'two changes');
    void done.then(() => (settled = true));
    state = 1;
    events.emit('breaker:close', { reason: 'x', pausedMs: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    state = 2;
    events.emit('breaker:close', { reason: 'x', pausedMs: 1 });
    await done;
    expect(settled).toBe(true);
  });

  it('rejects naming what did not happen', async () => {
    const events = new Emitter<AppEventMap>();
    await expect(whenEvents(events, ['batch:end'], () => false, 'the moon', 20)).rejects.toThrow(
      'timed out after 20 ms waiting for the moon',
    );
  });
});

describe('loopRetries', () => {
  it('resolves after that many loop errors', async () => {
    const events = new Emitter<AppEventMap>();
    const done = loopRetries(events, 2, 1_000);
    events.emit('loop:error', { error: 'disk is full', retryInMs: 10 });
    let settled = false;
    void done.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    events.emit('loop:error', { error: 'disk is full', retryInMs: 10 });
    await done;
  });
});
