/** Forecast digests: which weekly occurrences find new content, walked in due order. */
import { describe, expect, it } from 'vitest';
import { findsNewContent, recordDigestSent, type DigestContext } from '../../src/schedule/digest-forecast.js';

const WEEK = 7 * 86_400_000;
const MONDAY = Date.parse('2027-03-01T09:00:00Z');
const at = (customerId: string, week: number) => ({
  automationId: 'weekly-digest',
  customerId,
  dueAt: MONDAY + week * WEEK,
});

function context(since: Record<string, number>, published: number[]): DigestContext {
  return {
    digestIds: new Set(['weekly-digest']),
    since: new Map(Object.entries(since).map(([c, t]) => [`weekly-digest\u0000${c}`, t])),
    published,
  };
}

/** What the forecast loop does: decide, and when it would be sent, record it. */
function walk(ctx: DigestContext, customerId: string, weeks: number): string[] {
  return Array.from({ length: weeks }, (_, w) => {
    const p = at(customerId, w);
    if (!findsNewContent(ctx, p)) return 'skip';
    recordDigestSent(ctx, p);
    return 'send';
  });
}

describe('digest forecast', () => {
  it('sends a week with something new since the previous digest and skips a week without', () => {
    const ctx = context({ ann: MONDAY - WEEK }, [
      MONDAY - 86_400_000,
      MONDAY + 9 * 86_400_000,
      MONDAY + 3 * WEEK + 3_600_000,
    ]);
    expect(walk(ctx, 'ann', 4)).toEqual(['send', 'skip', 'send', 'skip']);
  });

  it('counts an item published exactly at the due time, not one already in the last digest', () => {
    const ctx = context({ ann: MONDAY - WEEK }, [MONDAY - WEEK, MONDAY + WEEK]);
    expect(walk(ctx, 'ann', 2)).toEqual(['skip', 'send']);
  });

  it('keeps each customer to their own last digest, and leaves other automations alone', () => {
    const ctx = context({ ann: MONDAY - WEEK, ben: MONDAY - 3_600_000 }, [MONDAY - 2 * 86_400_000]);
    expect([findsNewContent(ctx, at('ann', 0)), findsNewContent(ctx, at('ben', 0))]).toEqual([true, false]);
    expect(findsNewContent(ctx, { automationId: 'birthday', customerId: 'ben', dueAt: MONDAY })).toBe(true);
  });
});
