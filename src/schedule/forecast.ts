/**
 * What will be sent, when and why — the daemon's own planner and policies over a window,
 * without writing anything. `upcoming` looks ahead from now and honours the books;
 * `simulate` runs through any window as if the worker had been running through it.
 * Customers are planned one page at a time, so memory does not grow with their number.
 */
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import type { Customer, EventPoint } from '../domain.js';
import { iterateCustomers, sharedAddressKeys } from '../db/customers.js';
import { addressKey } from '../address.js';
import { ALL_MARKETING, optOutsFor, suppressedAmong } from '../db/consent.js';
import { bookedStatuses, recentMarketingSends } from '../db/deliveries-books.js';
import { capDecision } from '../plan/cap.js';
import { exitConditionMet } from '../plan/exit-condition.js';
import { customerZone, sendWindowFor } from '../plan/plan.js';
import { localIso } from '../plan/time.js';
import type { PlannedDelivery } from '../plan/types.js';
import type { OccasionDate } from '../occasions/resolve.js';
import { PlanRun } from './plan-service.js';
import {
  findsNewContent,
  loadDigestContext,
  NO_NEW_CONTENT,
  recordDigestSent,
  type DigestContext,
} from './digest-forecast.js';
import { deliveryKeyText } from '../delivery-key.js';

export interface ForecastLine {
  automation: string;
  customer_id: string;
  email: string;
  occurrence: string;
  send_at: string;
  local_time: string;
  template: string;
  outcome: 'send' | 'skip';
  reason: string | null;
  /** Holiday rules: which occasion, its date, and the country rule (or table) that gave it. */
  occasion?: OccasionDate;
}

export interface ForecastOptions {
  from: number;
  to: number;
  /** Skip occurrences already in the deliveries table and count real sends (upcoming); or not (simulate). */
  useBooks: boolean;
  /** Receives each page's lines, in time order within a customer. */
  onLines(lines: ForecastLine[]): void | Promise<void>;
}

/** A line as planned, before it is written out as text: what the stored forecast keeps. */
export interface ForecastRow {
  p: PlannedDelivery;
  email: string;
  reason: string | null;
}

export interface ForecastRowOptions extends Omit<ForecastOptions, 'onLines'> {
  /** Receives each page's rows, in time order within a customer. */
  onRows(rows: ForecastRow[]): void | Promise<void>;
}

const DAY = 86_400_000;

export async function forecast(db: Database, config: Config, o: ForecastOptions): Promise<void> {
  const template = new Map(config.automations.map((a) => [a.id, a.template]));
  await forecastRows(db, config, {
    ...o,
    onRows: (rows) => o.onLines(rows.map((r) => toLine(template, r))),
  });
}

/** The forecast as rows: the same lines as `forecast`, without their text (the stored forecast's writer). */
export async function forecastRows(db: Database, config: Config, o: ForecastRowOptions): Promise<void> {
  // The frequency cap's recent sends, read once for everyone rather than per page of customers.
  const cap = config.sending.frequency_cap;
  const sends =
    o.useBooks && cap ? await recentMarketingSends(db.knex, o.from - cap.per) : new Map<string, number[]>();
  const collect = async (
    planned: PlannedDelivery[],
    customers: readonly Customer[],
    events: ReadonlyMap<string, readonly EventPoint[]>,
  ) => {
    const page = await pageContext(db, config, planned, customers, o, sends);
    const lines: ForecastRow[] = [];
    // Grouped once: filtering the page's plan per customer was quadratic (measured at 1M customers).
    const byCustomer = new Map<string, PlannedDelivery[]>();
    for (const p of planned) {
      const list = byCustomer.get(p.customerId);
      if (list) list.push(p);
      else byCustomer.set(p.customerId, [p]);
    }
    for (const customer of customers) {
      const mine = byCustomer.get(customer.id) ?? [];
      lines.push(...customerLines(config, customer, mine, events.get(customer.id) ?? [], page, o, run));
    }
    if (lines.length > 0) await o.onRows(lines);
  };
  const run = new PlanRun(db, config, o.from, false, collect);
  run.sharedAddresses = await sharedAddressKeys(db.knex);
  // Occurrences are selected by their nominal time; start a day early so mail the send window
  // defers into [from, to) is included, then keep what is due inside.
  for await (const customers of iterateCustomers(db.knex, { kind: 'all' })) {
    await run.planPage(customers, { from: o.from - DAY, to: o.to });
  }
}

interface PageContext {
  optOuts: Map<string, Set<string>>;
  suppressed: Set<string>;
  books: Map<string, string>;
  sends: Map<string, number[]>;
  digests: DigestContext;
}

async function pageContext(
  db: Database,
  config: Config,
  planned: PlannedDelivery[],
  customers: readonly Customer[],
  o: ForecastRowOptions,
  sends: Map<string, number[]>,
): Promise<PageContext> {
  return {
    optOuts: await optOutsFor(db.knex, customers),
    suppressed: await suppressedAmong(
      db.knex,
      customers.map((c) => c.email),
    ),
    books: o.useBooks ? await bookedStatuses(db.knex, planned) : new Map<string, string>(),
    sends,
    digests: await loadDigestContext(db, config, planned, customers),
  };
}

/** One customer's lines: consent, then the frequency cap in due order over a virtual outbox. */
function customerLines(
  config: Config,
  customer: Customer,
  planned: PlannedDelivery[],
  events: readonly EventPoint[],
  page: PageContext,
  o: ForecastRowOptions,
  run: PlanRun,
): ForecastRow[] {
  const { policy, cache } = run;
  // The zone the planner used: an empty or unknown stored zone means the business's.
  const zone = customerZone(customer, policy, cache);
  const intoWindow = sendWindowFor(customer, policy, cache);
  const queue = planned
    .filter((p) => p.dueAt >= o.from - config.sending.max_lateness && !isBooked(page, p))
    .map((p) => ({ p, firstDueAt: p.dueAt, order: run.order(p.automationId) }))
    .sort(inTurn);
  const sent = [...(page.sends.get(customer.id) ?? [])];
  const suppressed = page.suppressed.has(addressKey(customer.email));
  const lines: ForecastRow[] = [];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const { p, firstDueAt, order } = next;
    let reason = p.reason ?? consentReason(p, customer, page.optOuts.get(customer.id), suppressed);
    if (reason === null && exitedBy(run, p, events)) reason = 'exit-condition';
    if (reason === null && !findsNewContent(page.digests, p)) reason = NO_NEW_CONTENT;
    if (reason === null && !p.transactional && config.sending.frequency_cap) {
      // Lateness counts from when it was first due, as at claim time (decide.ts).
      const d = capDecision(
        sent,
        p.dueAt,
        firstDueAt,
        config.sending.frequency_cap,
        config.sending.max_lateness,
        intoWindow,
      );
      if (d.kind === 'defer') {
        insertInTurn(queue, {
          p: { ...p, dueAt: d.until, localTime: localIso(cache, zone, d.until) },
          firstDueAt,
          order,
        });
        continue;
      }
      if (d.kind === 'skip') reason = 'frequency-cap';
      else sent.push(p.dueAt);
    }
    if (reason === null) recordDigestSent(page.digests, p);
    if (p.dueAt < o.from || p.dueAt >= o.to) continue;
    lines.push({ p, email: customer.email, reason });
  }
  return lines;
}

/**
 * The exit condition as the worker asks it when the message is due (decide.ts), counting the
 * events up to then: the planner asked it at `from`, before events inside the window happened.
 */
function exitedBy(run: PlanRun, p: PlannedDelivery, events: readonly EventPoint[]): boolean {
  const automation = run.automation(p.automationId);
  if (!automation?.unless) return false;
  const trigger = (p.eventId ? events.find((e) => e.id === p.eventId) : undefined) ?? {
    id: null,
    occurred_at: p.triggerAt,
  };
  return exitConditionMet(automation, trigger, events, p.dueAt);
}

function isBooked(page: PageContext, p: PlannedDelivery): boolean {
  const status = page.books.get(deliveryKeyText(p));
  return status !== undefined && status !== 'pending';
}

/** An occurrence waiting its turn; the cap may move `p.dueAt`, never `firstDueAt`. */
interface Queued {
  p: PlannedDelivery;
  firstDueAt: number;
  /** Position of its automation in the config: the cap's priority. */
  order: number;
}

/** The deliverer's order among what is sendable at once: earlier-due first, then config order. */
const inTurn = (a: Queued, b: Queued): number =>
  a.p.dueAt - b.p.dueAt || a.firstDueAt - b.firstDueAt || a.order - b.order;

function insertInTurn(queue: Queued[], q: Queued): void {
  const at = queue.findIndex((other) => inTurn(other, q) > 0);
  if (at === -1) queue.push(q);
  else queue.splice(at, 0, q);
}

function toLine(templates: ReadonlyMap<string, string>, { p, email, reason }: ForecastRow): ForecastLine {
  return {
    automation: p.automationId,
    customer_id: p.customerId,
    email,
    occurrence: p.occurrence,
    send_at: new Date(p.dueAt).toISOString(),
    local_time: p.localTime,
    template: templates.get(p.automationId) ?? '',
    outcome: reason === null ? 'send' : 'skip',
    reason,
    ...(p.occasion ? { occasion: p.occasion } : {}),
  };
}

function consentReason(
  p: PlannedDelivery,
  customer: Customer,
  scopes: Set<string> | undefined,
  suppressed: boolean,
): string | null {
  if (suppressed) return 'suppressed';
  if (p.transactional) return null;
  if (!customer.subscribed || scopes?.has(ALL_MARKETING) || scopes?.has(p.automationId))
    return 'unsubscribed';
  return null;
}
