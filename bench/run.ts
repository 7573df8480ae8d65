/**
 * `npm run bench`: Rapport's speed, each figure next to its target and, where there is one, a
 * baseline measured in the same run. This file only dispatches:
 *   run.js [--quick] [--json] [...]   the suite (suite.ts), measures in child processes
 *   run.js --child NAME --url ...     one measure (what the suite spawns)
 *   run.js --role sink|loadgen        helpers the measures spawn
 */
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/connect.js';
import { migrate } from '../src/db/migrations.js';
import { parseBenchArgs, USAGE, type BenchOptions } from './args.js';
import { reportFromChild, type ChildResult } from './child.js';
import { runLoadgenProcess } from './loadgen.js';
import { seedDue, seedPopulation } from './seed.js';
import { runSinkProcess } from './sink.js';
import { runSuite } from './suite.js';
import { describeError } from '../src/errors.js';

const argv = process.argv.slice(2);
const role = argv[0] === '--role' ? argv[1] : undefined;

if (role === 'sink') {
  await runSinkProcess();
} else if (role === 'loadgen') {
  runLoadgenProcess();
} else if (argv[0] === '--child') {
  await reportFromChild(() => runMeasure(argv.slice(1)));
} else {
  let options: BenchOptions | undefined;
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    console.error(`${describeError(error)}\n\n${USAGE}`);
    process.exitCode = 2;
  }
  if (options) {
    try {
      await runSuite(options, process.env);
    } catch (error) {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    }
  }
}

// Each measure is loaded by the child that runs it, so no measure holds the others' modules (and
// their heap) while its peak RSS is taken.
async function runMeasure(args: string[]): Promise<ChildResult> {
  const [name, ...rest] = args;
  const names = [
    'url',
    'from',
    'customers',
    'sends',
    'warm',
    'day',
    'seconds',
    'events',
    'deliveries',
    'inline',
    'file',
    'changed',
  ];
  const { values: v } = parseArgs({
    args: rest,
    options: Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])),
  });
  const str = (key: string): string => {
    const value = v[key];
    if (typeof value !== 'string') throw new Error(`--child ${name} needs --${key}`);
    return value;
  };
  const num = (key: string): number => Number(str(key));
  switch (name) {
    case 'seed':
      return withDatabase(str('url'), (db) => seedPopulation(db, Number(v.from ?? 0), num('customers')));
    case 'due':
      return withDatabase(str('url'), async (db) => {
        // Warm-up rows first (due earlier), then the measured ones; both due now, not late.
        const now = Date.now();
        await seedDue(db, num('customers'), num('warm'), now - 120_000, now, 'warm');
        await seedDue(db, num('customers'), num('sends'), now - 60_000, now);
        return {};
      });
    case 'plan':
      return import('./measures/plan.js').then((m) =>
        m.measurePlan(str('url'), str('day') === 'digest' ? 'digest' : 'typical'),
      );
    case 'render':
      return import('./measures/render.js').then((m) => m.measureRender(num('seconds')));
    case 'deliver':
      return import('./measures/deliver.js').then((m) => m.measureDeliver(str('url'), num('warm')));
    case 'memory':
      return import('./measures/deliver.js').then((m) => m.measureMemory(str('url')));
    case 'latency':
      return import('./measures/latency.js').then((m) =>
        m.measureLatency(str('url'), num('customers'), num('events')),
      );
    case 'feed':
      return import('./measures/feed.js').then((m) => m.measureFeed(str('url'), num('seconds')));
    case 'simulate':
      return import('./measures/simulate.js').then((m) => m.measureSimulate(str('url')));
    case 'import':
      return import('./measures/import.js').then((m) =>
        m.measureImport(num('customers'), str('url'), num('inline') === 1 ? 'inline' : 'thread', {
          file: str('file'),
          changed: str('changed'),
        }),
      );
    case 'console':
      return import('./measures/console.js').then((m) =>
        m.measureConsole(str('url'), num('customers'), num('deliveries')),
      );
    default:
      throw new Error(`unknown measure "${name}"`);
  }
}

async function withDatabase(
  url: string,
  fn: (db: ReturnType<typeof openDatabase>) => Promise<object>,
): Promise<ChildResult> {
  const db = openDatabase(url);
  try {
    await migrate(db.knex);
    return { ...(await fn(db)) };
  } finally {
    await db.close();
  }
}
