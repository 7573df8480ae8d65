/**
 * What the crash harness (test/integration/crash.test.ts, test/soak/crash-soak.ts) shares:
 * a dataset of transactional mail all due at one moment, the daemon's configuration and
 * environment, and the checks on the books and on what the SMTP sink received.
 */
import { openDatabase } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrations.js';
import { upsertCustomers, type CustomerInput } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { countByStatus, listDeliveries } from '../../src/db/deliveries.js';
import { countSuppressions } from '../../src/db/consent.js';
import { messageIdFor } from '../../src/deliver/compose.js';
import type { DeliveryStatus } from '../../src/domain.js';
import { writeTestConfig } from './runtime.js';
import { customer } from './records.js';

export const AUTOMATION = 'receipt';
export const FROM = 'Crash Test <crash@rapport.test>';
export const SECRET = 'crash-test-secret-0123456789abcdef0123';

export interface CrashConfig {
  /** sending.rate_limit, per worker */
  rate: number;
  /** worker.batch_size: also the most messages one crash can leave sent but unrecorded */
  batch: number;
  lease?: string;
  poolSize?: number;
}

/** One transactional rule (a receipt right after each purchase), short timings. */
export function crashOverrides(c: CrashConfig): Record<string, unknown> {
  return {
    business: { from: FROM },
    sending: { rate_limit: c.rate, max_lateness: '24h' },
    worker: {
      poll: '100ms',
      batch_size: c.batch,
      lease: c.lease ?? '5s',
      retry: { base: '1s', max: '2s' },
      grace: '10s',
    },
    // A batch at these rates takes well under a second; a send may take 3 s (a loaded machine),
    // and the lease must cover both (see the worker.lease rule in the README).
    smtp: { pool_size: c.poolSize ?? 5, timeout: '3s' },
    automations: [
      { id: AUTOMATION, on: { event: 'purchase', after: 0 }, template: 'thank-you', transactional: true },
    ],
  };
}

/** A config file with crashOverrides over the shipped config. */
export function crashConfig(c: CrashConfig): string {
  return writeTestConfig(crashOverrides(c));
}

export function daemonEnv(databaseUrl: string, smtpUrl: string, configFile: string): Record<string, string> {
  return { DATABASE_URL: databaseUrl, SMTP_URL: smtpUrl, RAPPORT_CONFIG: configFile, RAPPORT_SECRET: SECRET };
}

export interface Dataset {
  /** Message-ID → customer id, one per delivery that must arrive. */
  expected: Map<string, string>;
}

const customerId = (i: number) => `c${String(i).padStart(6, '0')}`;

/** n customers with one purchase each at `dueAt` (so each receipt is due then); returns the expected Message-IDs. */
export async function seedDue(databaseUrl: string, n: number, dueAt: number, offset = 0): Promise<Dataset> {
  const db = openDatabase(databaseUrl);
  const expected = new Map<string, string>();
  try {
    await migrate(db.knex);
    const customers: CustomerInput[] = [];
    const events = [];
    for (let i = offset; i < offset + n; i++) {
      const id = customerId(i);
      customers.push(
        customer(id, { email: `${id}@example.test`, first_name: `Customer ${i}`, timezone: 'UTC' }),
      );
      events.push({ id: `order-${id}`, customer_id: id, type: 'purchase', occurred_at: dueAt, data: {} });
      expected.set(
        messageIdFor({ automationId: AUTOMATION, customerId: id, occurrence: `order-${id}` }, FROM),
        id,
      );
    }
    const now = Date.now();
    await upsertCustomers(db.knex, customers, now);
    await upsertEvents(db.knex, events, now);
  } finally {
    await db.close();
  }
  return { expected };
}

export interface Books {
  counts: Record<DeliveryStatus, number>;
  total: number;
  suppressions: number;
  /** Deliveries not in a final status. */
  open: number;
}

export interface DeliverySummary {
  customer_id: string;
  status: DeliveryStatus;
  attempts: number;
  message_id: string | null;
}

/** A reader of the books over its own connection (a daemon may be writing meanwhile). */
export interface BooksReader {
  read(): Promise<Books>;
  deliveries(): Promise<DeliverySummary[]>;
  /** Customers whose deliveries the worker with this pid holds claimed (status sending). */
  claimedBy(pid: number): Promise<Set<string>>;
  close(): Promise<void>;
}

export function openBooks(databaseUrl: string): BooksReader {
  const db = openDatabase(databaseUrl);
  return {
    async read() {
      const counts = await countByStatus(db.knex);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      return {
        counts,
        total,
        suppressions: await countSuppressions(db.knex),
        open: counts.pending + counts.sending,
      };
    },
    async deliveries() {
      const out: DeliverySummary[] = [];
      for (let after = 0; ;) {
        const page = await listDeliveries(db.knex, { afterId: after, limit: 5000 });
        if (page.length === 0) return out;
        for (const d of page) {
          out.push({
            customer_id: d.customer_id,
            status: d.status,
            attempts: d.attempts,
            message_id: d.message_id,
          });
        }
        after = page[page.length - 1]?.id ?? after;
      }
    },
    async claimedBy(pid) {
      // Worker ids are host:pid:random (src/app.ts).
      const rows = await listDeliveries(db.knex, { status: 'sending', limit: 100_000 });
      return new Set(
        rows.filter((r) => r.locked_by?.split(':')[1] === String(pid)).map((r) => r.customer_id),
      );
    },
    close: () => db.close(),
  };
}

export interface Tally {
  /** Expected Message-IDs never received. */
  lost: string[];
  /** Extra copies: the sum over Message-IDs of (times received - 1). */
  duplicates: number;
  /** Received Message-IDs nobody expected. */
  unexpected: number;
}

export function tally(received: ReadonlyMap<string, number>, expected: ReadonlyMap<string, string>): Tally {
  const lost = [...expected.keys()].filter((id) => !received.has(id));
  let duplicates = 0;
  let unexpected = 0;
  for (const [id, n] of received) {
    duplicates += n - 1;
    if (!expected.has(id)) unexpected++;
  }
  return { lost, duplicates, unexpected };
}

/** Polls `check` until it returns true; rejects with `what` after timeoutMs. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  everyMs = 50,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
