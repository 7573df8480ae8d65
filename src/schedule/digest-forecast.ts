/**
 * Forecasting digests honestly. At send time a `content: new` digest carries the items published
 * since that customer's last sent digest (or since they were added) and is skipped with
 * `no-new-content` when there are none (src/deliver/context.ts, decide.ts). A forecast does the
 * same; over a window the previous digest may itself be a forecast one, so the caller walks each
 * customer's occurrences in due order and records every digest it would send.
 */
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { publicationTimes } from '../db/content.js';
import { lastSentAt } from '../db/deliveries.js';
import type { Customer } from '../domain.js';
import type { PlannedDelivery } from '../plan/types.js';

export const NO_NEW_CONTENT = 'no-new-content';

export interface DigestContext {
  /** Automations with `content: new`. */
  digestIds: ReadonlySet<string>;
  /** `automation\0customer` → when that customer's last digest went (or would go) out. */
  since: Map<string, number>;
  /** Publication times, ascending. */
  published: readonly number[];
}

type Occurrence = Pick<PlannedDelivery, 'automationId' | 'customerId' | 'dueAt'>;

const key = (p: Occurrence) => `${p.automationId}\u0000${p.customerId}`;

/** False for a digest occurrence with nothing published since the previous digest; true otherwise. */
export function findsNewContent(ctx: DigestContext, p: Occurrence): boolean {
  if (!ctx.digestIds.has(p.automationId)) return true;
  const first = firstAfter(ctx.published, ctx.since.get(key(p)) ?? 0);
  return (ctx.published[first] ?? Infinity) <= p.dueAt;
}

/** A digest occurrence that would be sent: the next one starts from here. */
export function recordDigestSent(ctx: DigestContext, p: Occurrence): void {
  if (ctx.digestIds.has(p.automationId)) ctx.since.set(key(p), p.dueAt);
}

/** Index of the first value > `t` in an ascending list. */
function firstAfter(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? Infinity) > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** For one page of planned occurrences: each customer's last digest and the publications after it. */
export async function loadDigestContext(
  db: Database,
  config: Config,
  planned: readonly PlannedDelivery[],
  customers: readonly Customer[],
): Promise<DigestContext> {
  const digestIds = new Set(config.automations.filter((a) => a.content === 'new').map((a) => a.id));
  const digests = planned.filter((p) => digestIds.has(p.automationId));
  const since = new Map<string, number>();
  if (digests.length === 0) return { digestIds, since, published: [] };
  const createdAt = new Map(customers.map((c) => [c.id, c.created_at]));
  for (const automationId of new Set(digests.map((p) => p.automationId))) {
    const ids = [...new Set(digests.filter((p) => p.automationId === automationId).map((p) => p.customerId))];
    const sent = await lastSentAt(db.knex, automationId, ids);
    for (const id of ids) since.set(`${automationId}\u0000${id}`, sent.get(id) ?? createdAt.get(id) ?? 0);
  }
  const until = Math.max(...digests.map((p) => p.dueAt));
  return { digestIds, since, published: await publicationTimes(db.knex, Math.min(...since.values()), until) };
}
