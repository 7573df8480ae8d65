/**
 * Broadcasts: one-off messages to an audience, planned into the deliveries table like every
 * automation's (automation id `broadcast:<id>`, one occurrence), so they go exactly once and
 * consent, suppression, the frequency cap and the send window hold as for any marketing mail.
 */

/** Who gets it: customers with any of `tags` (no case) and every `attributes` value; {} is everyone. */
export interface Audience {
  tags?: string[];
  attributes?: Record<string, string>;
}

/** When it goes: at once, or at a local time in each customer's own zone (on `date`, or the next such time). */
export type SendAt = { kind: 'now' } | { kind: 'at'; time: string; date: string | null };

/** draft: not planned yet; scheduled: to be planned; sending: planned, messages going; then sent or cancelled. */
export type BroadcastStatus = 'draft' | 'scheduled' | 'sending' | 'sent' | 'cancelled';

export interface Broadcast {
  id: number;
  name: string;
  template: string;
  audience: Audience;
  sendAt: SendAt;
  transactional: boolean;
  status: BroadcastStatus;
  /** Customers in the audience when it was created. */
  audienceCount: number;
  /** The last customer id planned (pages go in id order); null before the first page. */
  plannedThrough: string | null;
  createdBy: string;
  createdAt: number;
  cancelledBy: string | null;
  cancelledAt: number | null;
}

export const BROADCAST_PREFIX = 'broadcast:';
/** Each customer gets a broadcast once: its deliveries' occurrence is always this. */
export const BROADCAST_OCCURRENCE = 'once';
/** Why the rows of a cancelled broadcast were not sent. */
export const BROADCAST_CANCELLED = 'broadcast-cancelled';

export function broadcastAutomationId(id: number): string {
  return `${BROADCAST_PREFIX}${id}`;
}

/** The broadcast id of a delivery's automation id, or null when it is not a broadcast's. */
export function broadcastIdOf(automationId: string): number | null {
  if (!automationId.startsWith(BROADCAST_PREFIX)) return null;
  const id = Number(automationId.slice(BROADCAST_PREFIX.length));
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}
