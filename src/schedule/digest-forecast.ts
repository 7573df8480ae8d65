/**
 * Forecasting digests honestly. At send time a `content: new` digest carries the items published
 * since that customer's last sent digest (or since they were added) and is skipped with
 * `no-new-content` when there are none (src/deliver/context.ts, decide.ts). A forecast does the
 * same, and over a window the previous digest may itself be a forecast one, so each customer's
 * occurrences are walked in time order: one that would be sent moves "since" to its due time.
 */
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { publicationTimes } from '../db/content.js';
import { lastSentAt } from '../db/deliveries.js';
import type { Customer } from '../domain.js';
import type { PlannedDelivery } from '../plan/types.js';

export const NO_NEW_CONTENT = 'no-new-content';

/** A forecast line in the making: `reason` null means it would be sent. */
export interface ForecastEntry {
  p: PlannedDelivery;
  reason: string | null;
}

/**
 * Pure: which digest occurrences find no new item. `since` maps `automation\0customer` to the
 * last digest sent; `published` is ascending. Returns the entries that would be skipped.
 */
export function digestsWithoutContent(
  entries: readonly ForecastEntry[],
  since: ReadonlyMap<string, number>,
  published: readonly number[],
): Set<ForecastEntry> {
  const last = new Map(since);
  const skipped = new Set<ForecastEntry>();
  for (const e of [...entries].sort((a, b) => a.p.dueAt - b.p.dueAt)) {
    const key = `${e.p.automationId}\u0000${e.p.customerId}`;
    const from = last.get(key) ?? 0;
    const first = firstAfter(published, from);
    if (first < published.length && (published[first] as number) <= e.p.dueAt) last.set(key, e.p.dueAt);
    else skipped.add(e);
  }
  return skipped;
}

/** Index of the first value > `t` in an ascending list. */
function firstAfter(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Sets `reason` to `no-new-content` on the digest entries that would find nothing new. */
export async function markDigestsWithoutContent(
  db: Database,
  config: Config,
  entries: readonly ForecastEntry[],
  customers: ReadonlyMap<string, Customer>,
): Promise<void> {
  const digestIds = new Set(config.automations.filter((a) => a.content === 'new').map((a) => a.id));
  const digests = entries.filter((e) => e.reason === null && digestIds.has(e.p.automationId));
  if (digests.length === 0) return;
  const since = new Map<string, number>();
  for (const automationId of new Set(digests.map((e) => e.p.automationId))) {
    const ids = [...new Set(digests.filter((e) => e.p.automationId === automationId).map((e) => e.p.customerId))];
    const sent = await lastSentAt(db.knex, automationId, ids);
    for (const id of ids) since.set(`${automationId}\u0000${id}`, sent.get(id) ?? customers.get(id)?.created_at ?? 0);
  }
  const until = Math.max(...digests.map((e) => e.p.dueAt));
  const published = await publicationTimes(db.knex, Math.min(...since.values()), until);
  for (const e of digestsWithoutContent(digests, since, published)) e.reason = NO_NEW_CONTENT;
}
