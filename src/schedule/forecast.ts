/**
 * What will be sent, when and why — the daemon's own planner over a window, without writing.
 * `upcoming` looks ahead from now and honours what is already in the books; `simulate`
 * runs through any window as if the worker had been running through it.
 */
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import type { Customer } from '../domain.js';
import { ALL_MARKETING, optOutsFor, suppressedAmong } from '../db/consent.js';
import { deliveryStatuses } from '../db/deliveries.js';
import type { PlannedDelivery } from '../plan/types.js';
import { PlanRun, planWindow } from './plan-service.js';
import { markDigestsWithoutContent, type ForecastEntry } from './digest-forecast.js';

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
}

export interface ForecastOptions {
  from: number;
  to: number;
  /** Skip occurrences already in the deliveries table (upcoming), or ignore the books (simulate). */
  useBooks: boolean;
}

export async function forecast(db: Database, config: Config, o: ForecastOptions): Promise<ForecastLine[]> {
  const templates = new Map(config.automations.map((a) => [a.id, a.template]));
  const lines: ForecastLine[] = [];
  const collect = async (planned: PlannedDelivery[], customers: readonly Customer[]) => {
    const byId = new Map(customers.map((c) => [c.id, c]));
    const optOuts = await optOutsFor(db.knex, [...byId.keys()]);
    const suppressed = await suppressedAmong(db.knex, customers.map((c) => c.email));
    const books = o.useBooks ? await deliveryStatuses(db.knex, planned) : new Map<string, string>();
    const entries: ForecastEntry[] = [];
    for (const p of planned) {
      if (p.dueAt < o.from || p.dueAt >= o.to) continue;
      const customer = byId.get(p.customerId) as Customer;
      const booked = books.get(bookKey(p));
      if (booked !== undefined && booked !== 'pending') continue;
      entries.push({ p, reason: p.reason ?? consentReason(p, customer, optOuts.get(customer.id), suppressed) });
    }
    await markDigestsWithoutContent(db, config, entries, byId);
    for (const { p, reason } of entries) {
      lines.push({
        automation: p.automationId,
        customer_id: p.customerId,
        email: (byId.get(p.customerId) as Customer).email,
        occurrence: p.occurrence,
        send_at: new Date(p.dueAt).toISOString(),
        local_time: p.localTime,
        template: templates.get(p.automationId) ?? '',
        outcome: reason === null ? 'send' : 'skip',
        reason,
      });
    }
  };
  // Occurrences are selected by their nominal time; start a day early so that mail deferred by
  // the send window into [from, to) is included, then keep only what is due inside.
  const run = new PlanRun(db, config, o.from, false, collect);
  await planWindow(run, { from: o.from - 86_400_000, to: o.to });
  return lines.sort((a, b) => a.send_at.localeCompare(b.send_at) || a.customer_id.localeCompare(b.customer_id));
}

export function bookKey(p: Pick<PlannedDelivery, 'automationId' | 'customerId' | 'occurrence'>): string {
  return `${p.automationId}\u0000${p.customerId}\u0000${p.occurrence}`;
}

function consentReason(
  p: PlannedDelivery,
  customer: Customer,
  scopes: Set<string> | undefined,
  suppressed: Set<string>,
): string | null {
  if (suppressed.has(customer.email.toLowerCase())) return 'suppressed';
  if (p.transactional) return null;
  if (!customer.subscribed || scopes?.has(ALL_MARKETING) || scopes?.has(p.automationId)) return 'unsubscribed';
  return null;
}
