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
import { BENCH_AUTOMATIONS } from './console-seed.js';
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

const DAY = 86_400_000;

/** One request: a GET, or a form POST (the CSRF field is added). */
type Request = string | { post: string; form: Record<string, string> };

/** A business-zone date (the bench's zone is UTC-based enough for a filter's day). */
const isoDay = (at: number) => new Date(at).toISOString().slice(0, 10);

/** Every console page, each with a few varied addresses (`round` picks one). */
function pages(customers: number, messages: readonly number[]): Record<string, (round: number) => Request> {
  const someone = (round: number) => customerId((round * 7_919) % customers);
  const automation = (round: number) => BENCH_AUTOMATIONS[round % BENCH_AUTOMATIONS.length] as string;
  const audience = { template: 'birthday', tags: 'newsletter', attributes: '', when: 'now', name: 'bench' };
  return {
    'page: dashboard': () => '/console/',
    'page: customers, address prefix': (r) => `/console/customers?q=${someone(r).slice(0, 6)}`,
    'page: customers, name prefix': (r) =>
      `/console/customers?q=${encodeURIComponent(['ann', 'smi', 'ok', 'tanaka m'][r % 4] as string)}`,
    'page: customers, tag': () => '/console/customers?q=tag%3Anewsletter',
    'page: customers, part of an address': (r) =>
      `/console/customers?q=${String(r * 7_919).padStart(5, '0')}%40bench`,
    'page: customers, no match': (r) => `/console/customers?q=zq${r}x`,
    'page: customer detail': (r) => `/console/customers/${someone(r)}`,
    'page: deliveries, newest': () => '/console/deliveries',
    'page: deliveries, by status': (r) =>
      `/console/deliveries?status=${['failed', 'skipped', 'pending'][r % 3]}`,
    'page: deliveries, automation': (r) => `/console/deliveries?automation=${automation(r)}`,
    'page: deliveries, automation + 7 days': (r) =>
      `/console/deliveries?automation=${automation(r)}&from=${isoDay(DATA_NOW - (r + 7) * DAY)}&to=${isoDay(DATA_NOW - r * DAY)}`,
    'page: deliveries, status + dates': (r) =>
      `/console/deliveries?status=sent&from=${isoDay(DATA_NOW - (r + 30) * DAY)}&to=${isoDay(DATA_NOW - r * DAY)}`,
    'page: deliveries, one customer': (r) => `/console/deliveries?customer=${someone(r)}`,
    'page: view as sent': (r) => `/console/deliveries/${messages[r % messages.length]}`,
    'page: upcoming, 14 days': () => '/console/upcoming',
    'page: upcoming, one day': (r) => `/console/upcoming?day=${isoDay(DATA_NOW + (r % 14) * DAY)}`,
    'page: automations': () => '/console/automations',
    'page: automation detail': (r) => `/console/automations/${automation(r)}`,
    'page: broadcasts': () => '/console/broadcasts',
    'page: new broadcast': () => '/console/broadcasts/new',
    'page: broadcast preview (audience count)': (r) => ({
      post: '/console/broadcasts/new',
      form: { ...audience, ...(r % 2 ? { tags: '', everyone: 'yes' } : {}), action: 'preview' },
    }),
    'page: broadcast sample': () => '/console/broadcasts/sample?template=birthday&tags=newsletter',
    'page: suppressions': () => '/console/suppressions',
    'page: suppressions, search': (r) => `/console/suppressions?q=${String(r * 97).padStart(4, '0')}`,
    'page: templates': () => '/console/templates',
    'page: template editor': (r) => `/console/templates/${['birthday', 'thank-you', 'digest'][r % 3]}`,
    'page: import': () => '/console/import',
    'page: users': () => '/console/users',
    'page: account': () => '/console/account',
  };
}

export async function measureConsolePages(
  url: string,
  customers: number,
  messages: readonly number[],
): Promise<Record<string, Timing>> {
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
    const session = cookie.split(';')[0] as string;
    const form = await app.inject({
      method: 'GET',
      url: '/console/broadcasts/new',
      headers: { cookie: session },
    });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const origin = new URL(publicUrl).origin;
    const get = async (request: Request) => {
      const start = performance.now();
      const res =
        typeof request === 'string'
          ? await app.inject({ method: 'GET', url: request, headers: { cookie: session } })
          : await app.inject({
              method: 'POST',
              url: request.post,
              headers: { cookie: session, origin, 'content-type': 'application/x-www-form-urlencoded' },
              payload: new URLSearchParams({ ...request.form, _csrf: csrf }).toString(),
            });
      return { status: res.statusCode, ms: elapsedMs(start) };
    };
    const out: Record<string, Timing> = {};
    for (const [name, path] of Object.entries(pages(customers, messages))) {
      const warm = await get(path(MAX_ROUNDS)); // the first use of each statement and its pages
      if (warm.status === 404) continue;
      if (warm.status !== 200)
        throw new Error(`${name}: ${JSON.stringify(path(MAX_ROUNDS))} answered ${warm.status}`);
      const rounds = Math.max(MIN_ROUNDS, Math.min(MAX_ROUNDS, Math.floor(BUDGET_MS / Math.max(1, warm.ms))));
      const times: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const res = await get(path(round));
        if (res.status !== 200)
          throw new Error(`${name}: ${JSON.stringify(path(round))} answered ${res.status}`);
        times.push(res.ms);
      }
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
