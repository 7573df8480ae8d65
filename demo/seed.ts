/**
 * Seeding Corner Coffee's data through the same upserts the importer and the API use.
 */
import type { ContentItem, CustomerEvent } from '../src/domain.js';
import type { Database } from '../src/db/connect.js';
import { upsertContent } from '../src/db/content.js';
import { upsertCustomers } from '../src/db/customers.js';
import { upsertEvents } from '../src/db/events.js';
import { CAST, castCustomer } from './cast.js';
import { journal } from './content.js';
import { crowdCustomer } from './crowd.js';
import { DAY_MS, type DemoDay } from './day.js';
import { purchaseEvents } from './orders.js';
import type { DemoCustomer, SeedContext } from './profile.js';
import { mulberry32, seedFrom } from './random.js';

export interface DemoData {
  customers: DemoCustomer[];
  events: CustomerEvent[];
  content: ContentItem[];
  /** When the shop imported its list into Rapport: six weeks before the demo day. */
  importedAt: number;
}

export interface SeedReport {
  customers: number;
  zones: number;
  unsubscribed: number;
  purchases: number;
  content: number;
  /** Items whose publication date is still ahead. */
  scheduled: number;
  /** Customer ids by scripted role, e.g. birthday → [...]. */
  cast: Map<string, string[]>;
}

/** The same data for the same demo day, every time. */
export function demoData(day: DemoDay, size = 200): DemoData {
  const rng = mulberry32(seedFrom(`corner-coffee ${day.date}`));
  const importedAt = day.start - 45 * DAY_MS;
  const ctx: SeedContext = { rng, day, used: new Set(), importedAt };
  const ids = rng.shuffle(Array.from({ length: size }, (_, i) => `cust-${1001 + i}`));
  const customers = ids.map((id, i) => {
    const member = CAST[i];
    return member ? castCustomer(ctx, member, id) : crowdCustomer(ctx, id);
  });
  customers.sort((a, b) => (a.input.id < b.input.id ? -1 : 1));
  const events = purchaseEvents(
    rng,
    customers.flatMap((c) => c.purchases),
    20_417,
  );
  return { customers, events, content: journal(day), importedAt };
}

export async function seedDemo(db: Database, data: DemoData, day: DemoDay): Promise<SeedReport> {
  // Customers are stored with the time Rapport first saw them: the import, or a later sign-up.
  const byCreated = new Map<number, DemoCustomer[]>();
  for (const c of data.customers) byCreated.set(c.createdAt, [...(byCreated.get(c.createdAt) ?? []), c]);
  for (const [createdAt, group] of [...byCreated].sort((a, b) => a[0] - b[0])) {
    await upsertCustomers(
      db.knex,
      group.map((c) => c.input),
      createdAt,
    );
  }
  await upsertEvents(db.knex, data.events, data.importedAt);
  await upsertContent(db.knex, data.content, data.importedAt);
  const cast = new Map<string, string[]>();
  for (const c of data.customers) if (c.role) cast.set(c.role, [...(cast.get(c.role) ?? []), c.input.id]);
  return {
    customers: data.customers.length,
    zones: new Set(data.customers.map((c) => c.input.timezone ?? day.zone)).size,
    unsubscribed: data.customers.filter((c) => !c.input.subscribed).length,
    purchases: data.events.length,
    content: data.content.length,
    scheduled: data.content.filter((item) => item.published_at >= day.end).length,
    cast,
  };
}
