/** The bench's command line: `node dist-tools/bench/run.js [--quick] [--json] [--only a,b] [...]`. */
import { parseArgs } from 'node:util';

const MEASURES = [
  'render',
  'plan',
  'deliver',
  'memory',
  'latency',
  'feed',
  'simulate',
  'import',
  'console',
] as const;
export type MeasureName = (typeof MEASURES)[number];

export interface BenchOptions {
  quick: boolean;
  json: boolean;
  /** The table as Markdown (for the README). */
  markdown: boolean;
  only: Set<MeasureName>;
  /** Population sizes: the usual one, and the large one for plan and memory. */
  small: number;
  large: number;
  /** Messages per delivery measure (after the warm-up). */
  sends: number;
  warm: number;
  databases: Array<'sqlite' | 'postgres'>;
  /** The console measure's size: 1M customers and 10M deliveries times this. */
  scale: number;
  /** Write a CPU profile of every measure into this folder. */
  profile: string | null;
  /** The console measure's SQLite file, seeded once and reused by later runs. */
  keepConsole: string | null;
  /** A Postgres cluster's data folder, kept between runs with the console measure's database. */
  keepConsolePg: string | null;
}

export const USAGE = `Usage: npm run bench -- [options]
  --quick             about a minute: smaller populations and shorter runs
  --json              one JSON object on stdout instead of the table
  --markdown          the table as Markdown
  --only LIST         some of: ${MEASURES.join(',')}
  --customers N       the large population (default 1000000, quick 300000)
  --sends N           messages per delivery measure
  --scale X           the console measure's size: X × (1M customers, 10M deliveries); default 1, quick 0.1
  --db LIST           sqlite,postgres (default: both; postgres when its binaries are installed)
  --profile DIR       node --cpu-prof for every measure, profiles written to DIR
  --keep-console FILE the console measure's SQLite file: seeded on the first run, reused after
  --keep-console-pg DIR  a Postgres cluster kept in DIR (created on the first run, started by
                      each later one) holding the console measure's database, seeded once`;

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      only: { type: 'string' },
      customers: { type: 'string' },
      sends: { type: 'string' },
      db: { type: 'string' },
      scale: { type: 'string' },
      profile: { type: 'string' },
      'keep-console': { type: 'string' },
      'keep-console-pg': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...MEASURES];
  const unknown = only.filter((m) => !(MEASURES as readonly string[]).includes(m));
  if (unknown.length > 0)
    throw new Error(`unknown measure ${unknown.join(', ')}; choose from ${MEASURES.join(', ')}`);
  const databases = (values.db ?? 'sqlite,postgres').split(',').map((s) => s.trim());
  if (databases.some((d) => d !== 'sqlite' && d !== 'postgres'))
    throw new Error('--db takes sqlite, postgres or both');
  const small = 100_000;
  const large = count(values.customers, quick ? 300_000 : 1_000_000);
  return {
    quick,
    json: values.json ?? false,
    markdown: values.markdown ?? false,
    only: new Set(only as MeasureName[]),
    small: Math.min(small, large),
    large,
    sends: count(values.sends, quick ? 2_000 : 20_000),
    warm: quick ? 500 : 1_000,
    databases: databases as Array<'sqlite' | 'postgres'>,
    scale: scale(values.scale, quick ? 0.1 : 1),
    profile: values.profile ?? null,
    keepConsole: values['keep-console'] ?? null,
    keepConsolePg: values['keep-console-pg'] ?? null,
  };
}

function count(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`"${text}" is not a positive whole number`);
  return n;
}

function scale(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const x = Number(text);
  if (!Number.isFinite(x) || x <= 0 || x > 10)
    throw new Error(`--scale: "${text}" is not a number above 0 and at most 10`);
  return x;
}
