import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/deliver/rate-limit.js';

/** A limiter on a fake clock: sleeping advances it. */
function limiter(perSecond: number) {
  const clock = { t: 0 };
  const rl = new RateLimiter(perSecond, {
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
    },
  });
  return { rl, clock };
}

describe('RateLimiter', () => {
  it('spaces sends evenly at the rate, with no burst', async () => {
    const { rl, clock } = limiter(50);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await rl.take();
      times.push(clock.t);
    }
    expect(times).toEqual([0, 20, 40, 60, 80]);
  });

  it('halves on a slow-down, once per burst of complaints, never below 1/s', () => {
    const { rl, clock } = limiter(8);
    expect(rl.slowDown()).toBe(true);
    expect(rl.perSecond).toBe(4);
    // The rest of the pool answered 421 at the same moment: counted once.
    expect(rl.slowDown()).toBe(false);
    expect(rl.perSecond).toBe(4);
    for (const expected of [2, 1, 1]) {
      clock.t += 1_000;
      rl.slowDown();
      expect(rl.perSecond).toBe(expected);
    }
  });

  it('spaces sends at the lowered rate', async () => {
    const { rl, clock } = limiter(10);
    rl.slowDown();
    await rl.take();
    const first = clock.t;
    await rl.take();
    expect(clock.t - first).toBe(200);
  });

  it('recovers gradually after successes: a tenth of the configured rate per quiet second', () => {
    const { rl, clock } = limiter(100);
    rl.slowDown();
    clock.t += 1_000;
    rl.slowDown();
    expect(rl.perSecond).toBe(25);
    rl.success(); // too soon after the last slow-down
    expect(rl.perSecond).toBe(25);
    const seen: number[] = [];
    for (let i = 0; i < 9; i++) {
      clock.t += 1_000;
      rl.success();
      rl.success();
      seen.push(Math.round(rl.perSecond));
    }
    expect(seen).toEqual([35, 45, 55, 65, 75, 85, 95, 100, 100]);
  });

  it('keeps a configured rate below 1/s as its own floor', () => {
    const { rl } = limiter(0.5);
    expect(rl.slowDown()).toBe(false);
    expect(rl.perSecond).toBe(0.5);
  });
});
