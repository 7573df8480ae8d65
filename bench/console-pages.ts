/**
 * The console's pages timed over HTTP (fastify inject, the whole console plugin with its
 * session, CSRF and security hooks), signed in as an owner, on a database the console measure
 * has seeded. Pages listed here that are not mounted in this build answer 404 and are left out.
 */
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { consolePlugin } from '../src/console/plugin.js';
import { CONSOLE_PAGES } from '../src/console/pages.js';
import { addStaff } from '../src/console/staff.js';
import { customerId, DATA_NOW } from './data.js';
import { openBenchRuntime } from './runtime.js';
import { elapsedMs, percentile } from './stats.js';

const PASSWORD = 'bench console password';
/** A new owner per run: a kept console file (--keep-console) already has the earlier runs' owners. */
const OWNER = `owner-${process.pid}-${Date.now()}@bench.example`;
/** Rounds per page, fewer for a page that takes seconds, so the measure ends in minutes. */
const MAX_ROUNDS = 40;
const MIN_ROUNDS = 5;
const BUDGET_MS = 30_000;

type Timing = { p50: number; p95: number; max: number; rounds: number };

/** Each page with a few varied addresses (`round` picks one). */
function pages(customers: number): Record<string, (round: number) => string> {
  const someone = (round: number) => customerId((round * 7_919) % customers);
  return {
    'page: dashboard': () => '/console/',
    'page: upcoming, 14 days': () => '/console/upcoming',
    'page: users': () => '/console/users',
    'page: account': () => '/console/account',
    'page: customers, search': (r) => `/console/customers?q=${someone(r).slice(0, 6)}`,
    'page: deliveries': () => '/console/deliveries',
    'page: suppressions': () => '/console/suppressions',
    'page: templates': () => '/console/templates',
    'page: automations': () => '/console/automations',
    'page: broadcasts': () => '/console/broadcasts',
  };
}

export async function measureConsolePages(url: string, customers: number): Promise<Record<string, Timing>> {
  const rt = await openBenchRuntime({ databaseUrl: url, now: () => DATA_NOW });
  const app = Fastify();
  try {
    const publicUrl = rt.config.http.public_url;
    await consolePlugin(
      app,
      { db: rt.db, config: rt.config, log: rt.log, now: rt.now, publicUrl, rt },
      CONSOLE_PAGES,
    );
    await app.ready();
    await addStaff(rt.db, 'bench', { email: OWNER, role: 'owner', password: PASSWORD }, DATA_NOW);
    const login = await app.inject({
      method: 'POST',
      url: '/console/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(publicUrl).origin },
      payload: new URLSearchParams({ email: OWNER, password: PASSWORD }).toString(),
    });
    const cookie = [login.headers['set-cookie']].flat().find((c) => c?.startsWith('rapport_console='));
    if (login.statusCode !== 303 || !cookie) throw new Error(`console sign-in failed: ${login.statusCode}`);
    const get = async (path: string) => {
      const start = performance.now();
      const res = await app.inject({
        method: 'GET',
        url: path,
        headers: { cookie: cookie.split(';')[0] as string },
      });
      return { status: res.statusCode, ms: elapsedMs(start) };
    };
    const out: Record<string, Timing> = {};
    for (const [name, path] of Object.entries(pages(customers))) {
      const warm = await get(path(MAX_ROUNDS)); // the first use of each statement and its pages
      if (warm.status === 404) continue;
      if (warm.status !== 200) throw new Error(`${name}: GET ${path(MAX_ROUNDS)} answered ${warm.status}`);
      const rounds = Math.max(MIN_ROUNDS, Math.min(MAX_ROUNDS, Math.floor(BUDGET_MS / Math.max(1, warm.ms))));
      const times: number[] = [];
      for (let round = 0; round < rounds; round++) times.push((await get(path(round))).ms);
      times.sort((a, b) => a - b);
      out[name] = {
        p50: percentile(times, 50),
        p95: percentile(times, 95),
        max: times[times.length - 1] as number,
        rounds,
      };
    }
    return out;
  } finally {
    await app.close();
    await rt.close();
  }
}
