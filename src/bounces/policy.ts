/**
 * What a report does, decided from the report alone and how often the address bounced softly:
 *  - a permanent failure (5.x.x): the delivery is bounced and the address suppressed, once;
 *  - a transient failure (4.x.x, given up): the delivery is bounced; the address is suppressed
 *    only at the third in 30 days — a full mailbox is usually emptied again;
 *  - delayed: the relay is still trying; logged, never counted;
 *  - an abuse complaint: the delivery is complained about, the address unsubscribed from all
 *    marketing and suppressed (mailing someone who reported us as spam harms every message);
 *  - an auto-reply (out of office): not a bounce; logged only.
 */
import type { BounceKind } from './report.js';

const SOFT_BOUNCE_LIMIT = 3;
export const SOFT_BOUNCE_WINDOW_MS = 30 * 86_400_000;

export interface BounceActions {
  deliveryStatus: 'bounced' | 'complained' | null;
  /** Why, for the delivery's reason column. */
  reason: string | null;
  suppress: { reason: string; source: 'dsn' | 'complaint' } | null;
  unsubscribe: boolean;
}

export interface BounceFacts {
  kind: BounceKind;
  status: string | null;
  diagnostic: string | null;
  /** Soft bounces of this address within SOFT_BOUNCE_WINDOW_MS, this one included. */
  recentSoftBounces: number;
}

const NOTHING: BounceActions = { deliveryStatus: null, reason: null, suppress: null, unsubscribe: false };

export function decideBounce(f: BounceFacts): BounceActions {
  const what = [f.status, f.diagnostic].filter(Boolean).join(' ') || 'no details given';
  switch (f.kind) {
    case 'hard':
      return {
        ...NOTHING,
        deliveryStatus: 'bounced',
        reason: 'hard-bounce',
        suppress: { reason: `hard bounce: ${what}`, source: 'dsn' },
      };
    case 'soft': {
      const limitReached = f.recentSoftBounces >= SOFT_BOUNCE_LIMIT;
      const suppress = limitReached
        ? {
            reason: `${f.recentSoftBounces} soft bounces in 30 days, the last: ${what}`,
            source: 'dsn' as const,
          }
        : null;
      return { ...NOTHING, deliveryStatus: 'bounced', reason: 'soft-bounce', suppress };
    }
    case 'complaint':
      return {
        deliveryStatus: 'complained',
        reason: 'complaint',
        suppress: { reason: `spam complaint: ${f.diagnostic ?? 'abuse report'}`, source: 'complaint' },
        unsubscribe: true,
      };
    case 'delayed':
    case 'auto-reply':
      return NOTHING;
  }
}
