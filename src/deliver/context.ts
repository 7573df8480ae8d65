/**
 * Everything the decisions about one claimed batch need, loaded with a handful of queries
 * (never one per row) after the claim — so an opt-out committed before the claim is seen.
 */
import type { Automation, Config } from '../config/schema.js';
import type { ContentItem, Customer, CustomerEvent } from '../domain.js';
import type { Database } from '../db/connect.js';
import { getCustomersByIds } from '../db/customers.js';
import { eventsForCustomers, getEventsByIds } from '../db/events.js';
import { lastSentAt, recentMarketingSends, type DeliveryRow } from '../db/deliveries.js';
import { publishedContent } from '../db/content.js';
import { optOutsFor, suppressedAmong } from '../db/consent.js';
import { duplicateAddressRows } from './address-owner.js';
import { loadSurveyContext, type SurveyContext } from '../surveys/context.js';
import { loadBroadcastBatch } from './broadcast-context.js';
import type { Broadcast } from '../broadcasts/types.js';

export interface BatchContext {
  customers: Map<string, Customer>;
  optOuts: Map<string, Set<string>>;
  suppressed: Set<string>;
  /** Triggering events by id. */
  events: Map<string, CustomerEvent>;
  /** Customers' events of the types that exit conditions name. */
  history: Map<string, CustomerEvent[]>;
  /** New items for digest rows, by delivery id. */
  digests: Map<number, ContentItem[]>;
  /** Recent non-transactional sends per customer (for the frequency cap); updated as the batch goes. */
  sends: Map<string, number[]>;
  /** Rows of one-per-inbox rules whose address another record gets (see address-owner.ts). */
  duplicateAddress: Set<number>;
  /** Survey throttle and hold: see surveys/context.ts. */
  surveys: SurveyContext;
  /** The broadcasts of the batch's broadcast rows, by automation id (`broadcast:<id>`). */
  broadcasts: Map<string, Broadcast>;
}

export async function loadBatchContext(
  db: Database,
  config: Config,
  automations: Map<string, Automation>,
  rows: readonly DeliveryRow[],
  now: number,
): Promise<BatchContext> {
  const knex = db.knex;
  const customers = await getCustomersByIds(
    knex,
    rows.map((r) => r.customer_id),
  );
  const ids = [...customers.keys()];
  const unlessTypes = [...new Set(config.automations.flatMap((a) => (a.unless ? [a.unless.event] : [])))];
  const unlessCustomers = rows
    .filter((r) => automations.get(r.automation_id)?.unless)
    .map((r) => r.customer_id);
  const cap = config.sending.frequency_cap;
  const broadcast = await loadBroadcastBatch(knex, rows, customers, now);
  const duplicateAddress = await duplicateAddressRows(knex, automations, rows, customers, now);
  for (const id of broadcast.duplicates) duplicateAddress.add(id);
  return {
    customers,
    optOuts: await optOutsFor(knex, [...customers.values()]),
    suppressed: await suppressedAmong(
      knex,
      [...customers.values()].map((c) => c.email),
    ),
    events: await getEventsByIds(
      knex,
      rows.flatMap((r) => (r.event_id ? [r.event_id] : [])),
    ),
    history: await eventsForCustomers(knex, unlessCustomers, unlessTypes),
    digests: await newContent(db, config, automations, rows, customers, now),
    sends: cap ? await recentMarketingSends(knex, ids, now - cap.per) : new Map<string, number[]>(),
    duplicateAddress,
    surveys: await loadSurveyContext(knex, config, ids, now),
    broadcasts: broadcast.broadcasts,
  };
}

/**
 * For digest rows: the items published since that customer's last digest was sent (or since
 * they were added). One query for the batch, then filtered per customer.
 */
async function newContent(
  db: Database,
  config: Config,
  automations: Map<string, Automation>,
  rows: readonly DeliveryRow[],
  customers: Map<string, Customer>,
  now: number,
): Promise<Map<number, ContentItem[]>> {
  const out = new Map<number, ContentItem[]>();
  const digestRows = rows.filter((r) => automations.get(r.automation_id)?.content === 'new');
  if (digestRows.length === 0) return out;
  const since = new Map<number, number>();
  for (const automationId of new Set(digestRows.map((r) => r.automation_id))) {
    const mine = digestRows.filter((r) => r.automation_id === automationId);
    const last = await lastSentAt(
      db.knex,
      automationId,
      mine.map((r) => r.customer_id),
    );
    for (const r of mine)
      since.set(r.id, last.get(r.customer_id) ?? customers.get(r.customer_id)?.created_at ?? 0);
  }
  const items = await publishedContent(db.knex, { now, since: Math.min(...since.values()), limit: 500 });
  // Newest first: a row's new items are a prefix of the list, read only as far as it needs.
  for (const r of digestRows) {
    const from = since.get(r.id) ?? 0;
    const mine: ContentItem[] = [];
    for (const item of items) {
      if (item.published_at <= from || mine.length === config.feed.items) break;
      mine.push(item);
    }
    out.set(r.id, mine);
  }
  return out;
}
