/**
 * Planning against the database: select candidates for a window, run the pure planner on each
 * page of customers, and store what it plans (conflicts on the occurrence key are ignored).
 */
import type { Automation, Config } from '../config/schema.js';
import type { Customer, EventPoint } from '../domain.js';
import type { Database } from '../db/connect.js';
import { customerPlaces, customerZones, getCustomersByIds, iterateCustomers } from '../db/customers.js';
import { OccasionCalendar } from '../occasions/resolve.js';
import { customersWithEventsBetween, eventPointsForCustomers } from '../db/events.js';
import { insertPlanned, reconcilePending } from '../db/deliveries.js';
import { planCustomer, planPolicyFromConfig } from '../plan/plan.js';
import { surveyEventType } from '../plan/rules.js';
import { TimeCache } from '../plan/time.js';
import type { PlannedDelivery, TimeWindow } from '../plan/types.js';
import { candidateSources, type CandidateSource } from './candidates.js';
import { markSharedAddresses } from './shared-address.js';

const PAGE = 1000;

export interface PlanResult {
  /** Occurrences the planner found in the window. */
  planned: number;
  /** Rows that were new in the deliveries table. */
  inserted: number;
  customers: number;
}

/** Everything the planner needs besides data: built once per tick. */
export class PlanRun {
  readonly cache = new TimeCache();
  readonly policy;
  readonly occasions: OccasionCalendar;
  readonly eventTypes: string[];
  readonly result: PlanResult = { planned: 0, inserted: 0, customers: 0 };
  private readonly positions: ReadonlyMap<string, number>;
  private readonly byId: ReadonlyMap<string, Automation>;
  /**
   * The address keys several records share, when read once for a run over every customer
   * (a forecast); null: each page looks its own addresses up.
   */
  sharedAddresses: ReadonlySet<string> | null = null;

  constructor(
    readonly db: Database,
    readonly config: Config,
    readonly now: number,
    /** Store planned rows (false: only collect them, for forecasts). */
    readonly store: boolean,
    readonly collect?: (
      planned: PlannedDelivery[],
      customers: readonly Customer[],
      events: ReadonlyMap<string, readonly EventPoint[]>,
    ) => Promise<void> | void,
  ) {
    this.policy = planPolicyFromConfig(config);
    this.occasions = new OccasionCalendar(config.occasions);
    this.eventTypes = eventTypesUsed(config);
    const positions = new Map<string, number>();
    const byId = new Map<string, Automation>();
    config.automations.forEach((a, i) => {
      if (positions.has(a.id)) return;
      positions.set(a.id, i);
      byId.set(a.id, a);
    });
    this.positions = positions;
    this.byId = byId;
  }

  /** The automation with this id (the first, as a search of the config finds it). */
  automation(automationId: string): Automation | undefined {
    return this.byId.get(automationId);
  }

  /** The automation's position in the config (its priority under the frequency cap); -1 when unknown. */
  order(automationId: string): number {
    return this.positions.get(automationId) ?? -1;
  }

  /**
   * Plan these customers over `window`. With `replace` (their data changed), their pending
   * rows are reconciled with the fresh plan: cancelled when no longer due, moved when moved.
   */
  async planPage(customers: readonly Customer[], window: TimeWindow, replace = false): Promise<void> {
    if (customers.length === 0) return;
    const events = await eventPointsForCustomers(
      this.db.knex,
      customers.map((c) => c.id),
      this.eventTypes,
    );
    let planned: PlannedDelivery[] = [];
    for (const customer of customers) {
      const found = planCustomer(
        {
          automations: this.config.automations,
          customer,
          events: events.get(customer.id) ?? [],
          window,
          now: this.now,
          policy: this.policy,
          occasions: this.occasions,
        },
        this.cache,
      );
      for (const p of found) planned.push(p);
    }
    planned = await markSharedAddresses(
      this.db,
      this.config.automations,
      planned,
      customers,
      this.sharedAddresses,
    );
    this.result.customers += customers.length;
    this.result.planned += planned.length;
    if (replace && this.store) {
      await reconcilePending(
        this.db.knex,
        customers.map((c) => c.id),
        planned,
        this.now,
      );
    }
    // Re-planning changed data looks back further than lateness (so a deferred row is still
    // recognised), but mail that was never planned and is too late now is simply not planned.
    const toStore = replace ? planned.filter((p) => p.status !== 'expired') : planned;
    if (toStore.length === 0) return;
    await this.collect?.(toStore, customers, events);
    if (this.store) this.result.inserted += await insertPlanned(this.db.knex, toStore, this.now);
  }
}

function eventTypesUsed(config: Config): string[] {
  const types = new Set<string>();
  for (const a of config.automations) {
    if ('event' in a.on) types.add(a.on.event);
    if ('inactive' in a.on) types.add(a.on.inactive.event);
    if ('survey' in a.on) types.add(surveyEventType(a.on.survey));
    if (a.unless) types.add(a.unless.event);
  }
  return [...types];
}

/** Plan every occurrence whose nominal time falls in `window`, for every customer it can concern. */
export async function planWindow(run: PlanRun, window: TimeWindow): Promise<void> {
  const zones = { zones: await customerZones(run.db.knex) };
  const holidays = run.config.automations.some((a) => a.enabled && 'holiday' in a.on);
  const occasions = holidays
    ? { calendar: run.occasions, places: await customerPlaces(run.db.knex) }
    : undefined;
  const zoned = { zones, policy: run.policy, cache: run.cache, ...(occasions ? { occasions } : {}) };
  for (const source of candidateSources(run.config.automations, window, zoned)) {
    await planSource(run, source, window);
  }
}

async function planSource(run: PlanRun, source: CandidateSource, window: TimeWindow): Promise<void> {
  if (source.kind === 'customers') {
    for await (const page of iterateCustomers(run.db.knex, source.selector, PAGE)) {
      await run.planPage(page, window);
    }
    return;
  }
  let after: string | null = null;
  for (;;) {
    const ids = await customersWithEventsBetween(
      run.db.knex,
      source.type,
      source.from,
      source.to,
      after,
      PAGE,
    );
    if (ids.length === 0) return;
    const customers = await getCustomersByIds(run.db.knex, ids);
    await run.planPage([...customers.values()], window);
    after = ids.at(-1) ?? after;
    if (ids.length < PAGE) return;
  }
}

/** Plan the whole window afresh for the given customers (changed data, an API event). */
export async function planCustomers(run: PlanRun, ids: readonly string[], window: TimeWindow): Promise<void> {
  for await (const page of iterateCustomers(run.db.knex, { kind: 'ids', ids }, PAGE)) {
    await run.planPage(page, window, true);
  }
}
