/**
 * console: the staff console's reads at size (by default 1M customers and 10M deliveries), each
 * called many times with varied arguments; then the console's pages over HTTP, signed in; p50 and
 * p95 of each against 150 ms.
 */
import { performance } from 'node:perf_hooks';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrations.js';
import { searchCustomers } from '../../src/console/data/search.js';
import { customerDetail } from '../../src/console/data/customer.js';
import { viewAsSent } from '../../src/console/data/message.js';
import { listDeliveries } from '../../src/console/data/deliveries.js';
import { listSuppressions } from '../../src/console/data/suppressions.js';
import { dashboard } from '../../src/console/data/dashboard.js';
import { exportPerson } from '../../src/console/data/person.js';
import { upcomingView } from '../../src/console/data/upcoming.js';
import { forecast } from '../../src/schedule/forecast.js';
import { buildUpcoming } from '../../src/schedule/upcoming-build.js';
import type { DbRuntime } from '../../src/runtime.js';
import { openBenchRuntime } from '../runtime.js';
import { customerId, DATA_NOW } from '../data.js';
import { BENCH_AUTOMATIONS, seedConsoleData } from '../console-seed.js';
import { elapsedMs, percentile } from '../stats.js';
import type { ChildResult } from '../child.js';
import { measureConsolePages } from '../console-pages.js';

const DAY = 86_400_000;
const ROUNDS = 40;
/** The whole forecast takes seconds at a million customers: fewer rounds of what runs it. */
const FORECAST_ROUNDS = 2;
/** Above this many customers the per-request forecast of old is not timed (minutes a round). */
const PER_REQUEST_MAX_CUSTOMERS = 200_000;

interface Timing {
  p50: number;
  p95: number;
  max: number;
}

/** p50, p95 and max of `rounds` calls, after one to warm the statements and pages they read. */
async function timed(rounds: number, call: (round: number) => Promise<unknown>): Promise<Timing> {
  await call(rounds);
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    await call(round);
    times.push(elapsedMs(start));
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), max: times[times.length - 1] as number };
}

type Call = (db: Database, round: number) => Promise<unknown>;

/** What each timed call does; `round` varies the arguments. */
function calls(customers: number, messages: number[]): Record<string, Call> {
  const someone = (round: number) => customerId((round * 7_919) % customers);
  return {
    'search: address prefix': (db, r) => searchCustomers(db, someone(r).slice(0, 6)),
    'search: name prefix': (db, r) => searchCustomers(db, ['ann', 'smi', 'ok', 'tanaka m'][r % 4] as string),
    'search: tag': (db) => searchCustomers(db, 'tag:newsletter'),
    'search: part of an address': (db, r) =>
      searchCustomers(db, `${String(r * 7_919).padStart(5, '0')}@bench`),
    'search: no match (worst case)': (db, r) => searchCustomers(db, `zq${r}x`),
    customerDetail: (db, r) => customerDetail(db, someone(r)),
    viewAsSent: (db, r) => viewAsSent(db, messages[r % messages.length] as number),
    'listDeliveries: newest': (db) => listDeliveries(db, {}),
    'listDeliveries: by status, 3rd page': async (db) => {
      let page = await listDeliveries(db, { status: 'failed' });
      for (let i = 0; i < 2 && page.next; i++)
        page = await listDeliveries(db, { status: 'failed', cursor: page.next });
    },
    'listDeliveries: automation + 7 days': (db, r) =>
      listDeliveries(db, {
        automation: BENCH_AUTOMATIONS[r % 5] as string,
        from: DATA_NOW - (r + 7) * DAY,
        to: DATA_NOW - r * DAY,
      }),
    'listDeliveries: one customer': (db, r) => listDeliveries(db, { customer: someone(r) }),
    listSuppressions: (db, r) => listSuppressions(db, r % 2 ? { q: '0097' } : {}),
    dashboard: (db, r) => dashboard(db, DATA_NOW - (r % 3) * DAY),
    exportPerson: (db, r) => exportPerson(db, someone(r), DATA_NOW),
  };
}

export async function measureConsole(
  url: string,
  customers: number,
  deliveries: number,
): Promise<ChildResult> {
  const db = openDatabase(url);
  try {
    await migrate(db.knex);
    const seedStart = performance.now();
    const { messages } = await seedConsoleData(db, customers, deliveries);
    const seedSeconds = elapsedMs(seedStart) / 1000;
    const results: Record<string, Timing> = {};
    for (const [name, call] of Object.entries(calls(customers, messages))) {
      results[name] = await timed(ROUNDS, (round) => call(db, round));
    }
    const rt = await openBenchRuntime({ databaseUrl: url, now: () => DATA_NOW });
    try {
      Object.assign(results, await measureUpcoming(rt, customers));
    } finally {
      await rt.close();
    }
    // Whole pages over HTTP, on the same data, after the functions they are built on.
    Object.assign(results, await measureConsolePages(url, customers, messages));
    return { customers, deliveries, seedSeconds, results };
  } finally {
    await db.close();
  }
}

/**
 * Upcoming: what a request used to do (the whole 14-day forecast with the books), the daemon's
 * refresh that now does it in the background (build and publish the stored forecast), and the
 * page's read of the stored forecast: every day's counts and first sends, checked against the books.
 */
async function measureUpcoming(rt: DbRuntime, customers: number): Promise<Record<string, Timing>> {
  const per14Days = () =>
    forecast(rt.db, rt.config, {
      from: DATA_NOW,
      to: DATA_NOW + 14 * DAY,
      useBooks: true,
      onLines: () => {},
    });
  const build = () => buildUpcoming(rt.db, rt.config, { now: rt.now, owner: 'bench', by: 'bench' });
  const view = () => upcomingView(rt, { day: null, after: null, perDay: 25, pageSize: 100 });
  // What a request used to run takes minutes at full size and no page runs it any more: timed
  // only on smaller data, where it is the baseline the refresh and the stored read compare to.
  const before: Record<string, Timing> =
    customers <= PER_REQUEST_MAX_CUSTOMERS
      ? { 'upcoming: whole forecast per request (before)': await timed(FORECAST_ROUNDS, per14Days) }
      : {};
  return {
    ...before,
    'upcoming: refresh (build the stored forecast)': await timed(
      customers <= PER_REQUEST_MAX_CUSTOMERS ? FORECAST_ROUNDS : 1,
      build,
    ),
    'upcoming: stored forecast, 14 days': await timed(ROUNDS, view),
  };
}
