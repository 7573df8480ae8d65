// The transport's circuit breaker over time: pause, one probe, resume or pause longer.
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/deliver/breaker.js';

function breaker() {
  const clock = { now: 1_000_000 };
  const b = new CircuitBreaker({ now: () => clock.now, threshold: 3, openMs: 10_000, maxOpenMs: 40_000 });
  return { b, clock };
}

describe('CircuitBreaker', () => {
  it('a refusal of our sender pauses at once, with its reason, until the probe time', async () => {
    const { b, clock } = breaker();
    expect(await b.admit()).toBe('send');
    expect(b.trip('553 5.1.8 sender rejected')).toBe(true);
    expect(b.reason).toBe('553 5.1.8 sender rejected');
    expect(b.reopensAt).toBe(clock.now + 10_000);
    // Messages in flight when it paused report the same refusal: no second pause.
    expect(b.trip('553 5.1.8 sender rejected')).toBe(false);
    expect(await b.admit()).toBe(false);
    clock.now += 9_999;
    expect(await b.admit()).toBe(false);
  });

  it('after the pause one message probes while the others wait for its answer; success resumes', async () => {
    const { b, clock } = breaker();
    b.trip('refused');
    clock.now += 10_000;
    expect(b.reopensAt).toBeNull();
    expect(b.isOpen).toBe(true); // still paused until a probe goes through
    expect(await b.admit()).toBe('probe');
    const waiting = [b.admit(), b.admit()];
    const ended = b.success();
    expect(ended).toEqual({ reason: 'refused', pausedMs: 10_000 });
    expect(await Promise.all(waiting)).toEqual(['send', 'send']);
    expect(b.reason).toBeNull();
    expect(b.success()).toBeNull();
  });

  it('a refused probe pauses again, twice as long each time, up to the maximum; the waiters do not send', async () => {
    const { b, clock } = breaker();
    b.trip('refused');
    const pauses: number[] = [];
    for (let i = 0; i < 4; i++) {
      clock.now = b.reopensAt as number;
      expect(await b.admit()).toBe('probe');
      const waiter = b.admit();
      expect(b.trip('refused again')).toBe(true);
      expect(await waiter).toBe(false);
      pauses.push((b.reopensAt as number) - clock.now);
    }
    expect(pauses).toEqual([20_000, 40_000, 40_000, 40_000]);
    // Once through, the next pause starts short again.
    clock.now = b.reopensAt as number;
    await b.admit();
    b.success();
    b.trip('refused');
    expect((b.reopensAt as number) - clock.now).toBe(10_000);
  });

  it('transport failures pause only after several in a row; an answer from the relay resets the count', () => {
    const { b } = breaker();
    b.failure('ECONNREFUSED');
    b.failure('ECONNREFUSED');
    b.success();
    b.failure('ECONNREFUSED');
    expect(b.failure('ECONNREFUSED')).toBe(false);
    expect(b.failure('ECONNREFUSED')).toBe(true);
    expect(b.reason).toBe('the mail relay keeps failing: ECONNREFUSED');
  });

  it('a failed probe pauses again at once, without waiting for the threshold', async () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 3; i++) b.failure('ECONNREFUSED');
    clock.now = b.reopensAt as number;
    expect(await b.admit()).toBe('probe');
    expect(b.failure('ECONNREFUSED')).toBe(true);
    expect(b.reopensAt).toBe(clock.now + 20_000);
  });
});
