/**
 * `npm run demo`: Corner Coffee's customers in a fresh database, then one day of outreach sent
 * through the real planner, deliverer, templates and file transport into an outbox folder.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../src/config/schema.js';
import type { Logger } from '../src/log.js';
import { openRuntime, type DbRuntime } from '../src/runtime.js';
import { demoDay, type DemoDay } from './day.js';
import { PLAN_EVERY_MS, runDay, type DayReport, type VirtualClock } from './outreach.js';
import { demoData, seedDemo, type SeedReport } from './seed.js';
import { countEml, formatSummary, tallyDeliveries, type Tally } from './summary.js';

export interface DemoOptions {
  /** Default data/demo.db. */
  dbPath?: string;
  /** Default data/demo-outbox. */
  outboxDir?: string;
  /** Default config/rapport.yaml. */
  configFile?: string;
  /** Base environment (RAPPORT_PUBLIC_URL, RAPPORT_SECRET…); DATABASE_URL and SMTP_URL are set here. */
  env: Record<string, string | undefined>;
  /** Any instant of the day to play: the business's local day containing it. */
  now: number;
  log: Logger;
  /** How many customers; default 200. */
  customers?: number;
}

export interface DemoResult {
  day: DemoDay;
  seed: SeedReport | null;
  run: DayReport;
  tally: Tally;
  /** .eml files in the outbox. */
  files: number;
  /** The report printed by `npm run demo`. */
  summary: string;
}

interface Paths {
  db: string;
  outbox: string;
  config: string;
}

function pathsOf(options: DemoOptions): Paths {
  return {
    db: options.dbPath ?? 'data/demo.db',
    outbox: options.outboxDir ?? 'data/demo-outbox',
    config: options.configFile ?? 'config/rapport.yaml',
  };
}

/** Starts over: the database (with its WAL files) and the outbox are removed. */
function reset(paths: Paths): void {
  for (const suffix of ['', '-wal', '-shm', '-journal'])
    rmSync(resolve(`${paths.db}${suffix}`), { force: true });
  rmSync(resolve(paths.outbox), { recursive: true, force: true });
}

/**
 * The configuration as loaded, with two changes for a day played in seconds: no rate limit
 * worth the name, and ticks that plan an hour ahead (the demo ticks hourly).
 */
function demoConfig(config: Config): Config {
  return {
    ...config,
    sending: { ...config.sending, rate_limit: 10_000 },
    worker: { ...config.worker, horizon: Math.max(config.worker.horizon, PLAN_EVERY_MS) },
  };
}

async function playDay(options: DemoOptions, seed: boolean): Promise<DemoResult> {
  const paths = pathsOf(options);
  const clock: VirtualClock = { now: options.now };
  const env = { ...options.env, DATABASE_URL: `sqlite:${paths.db}`, SMTP_URL: `file:${paths.outbox}` };
  const opened = await openRuntime({ configFile: paths.config, env, log: options.log, now: () => clock.now });
  const rt: DbRuntime = { ...opened, config: demoConfig(opened.config) };
  try {
    const day = demoDay(options.now, rt.config.business.timezone);
    const seeded = seed ? await seedDemo(rt.db, demoData(day, options.customers), day) : null;
    const run = await runDay(rt, clock, day);
    const tally = await tallyDeliveries(rt.db, rt.config.automations, day.end);
    const files = countEml(paths.outbox);
    const summary = formatSummary({
      day,
      businessName: rt.config.business.name,
      automations: rt.config.automations,
      seed: seeded,
      tally,
      paths,
      files,
    });
    return { day, seed: seeded, run, tally, files, summary };
  } finally {
    await rt.close();
  }
}

/** Fresh database, seeded, one day played. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  reset(pathsOf(options));
  return playDay(options, true);
}

/** Plays the same day again on the existing database: nothing is planned or sent twice. */
export async function replayDemoDay(options: DemoOptions): Promise<DemoResult> {
  return playDay(options, false);
}
