/**
 * The suite: seeds populations, runs each measure in a child process of its own, and turns the
 * results into rows with targets. Progress goes to stderr; the table (or, with --json,
 * one JSON object) to stdout.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchOptions, MeasureName } from './args.js';
import { runChild, type ChildResult } from './child.js';
import { anyFailed, machine, markdownTable, skippedRow, summary, table, type ResultRow } from './report.js';
import {
  count,
  deliverRows,
  consoleRows,
  feedRows,
  latencyRows,
  memoryRows,
  mondayRow,
  planRow,
  renderRows,
  simulateRow,
  importRows,
  inlineImportRows,
} from './rows.js';
import { postgresStore, sqliteStore, type Seeder, type Store } from './stores.js';
import { openDatabase } from '../src/db/connect.js';
import { migrate } from '../src/db/migrations.js';
import { writeImportFiles } from './measures/import.js';

export async function runSuite(o: BenchOptions, env: NodeJS.ProcessEnv): Promise<void> {
  const started = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'rapport-bench-'));
  const suite = new Suite(o);
  const rows: ResultRow[] = [];
  const stores: Store[] = [];
  try {
    // Seeding first, SQLite and Postgres side by side (two cores; nothing is measured yet).
    const databases = [...o.only].some((m) => m !== 'render') ? o.databases : [];
    const prepared = await Promise.all(
      databases.map(async (name) => {
        const store =
          name === 'sqlite'
            ? sqliteStore(work)
            : await suite.step('start Postgres', () => postgresStore(env, o.keepConsolePg));
        if ('skipped' in store) return store;
        stores.push(store);
        for (const size of suite.sizes(name)) await store.seeded(size, suite.seeder(name));
        return store;
      }),
    );
    if (o.only.has('render')) rows.push(...(await suite.render()));
    for (const store of prepared) {
      if ('skipped' in store) rows.push(skippedRow('postgres', 'all measures', 'postgres', store.skipped));
      else {
        if (o.only.has('import')) rows.push(...(await suite.importCustomers(store)));
        rows.push(...(await suite.onDatabase(store)));
      }
    }
  } finally {
    for (const store of stores) await store.close();
    rmSync(work, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  // A missed target is a result; a measure that could not run is an error.
  if (anyFailed(rows)) process.exitCode = 1;
  if (o.json) {
    const out = {
      bench: 'rapport',
      quick: o.quick,
      machine: machine(),
      seconds,
      summary: summary(rows),
      results: rows,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    const m = machine();
    process.stdout.write(
      `\nRapport bench${o.quick ? ' (quick)' : ''} — ${m.cpus} × ${m.cpu}, Node ${m.node}, ${Math.round(seconds)} s\n\n`,
    );
    process.stdout.write(`${o.markdown ? markdownTable(rows) : table(rows)}\n\n${summary(rows)}\n`);
  }
}

/** Quick mode's population for simulate: a year for 100k customers takes about a minute. */
const QUICK_SIMULATE = 10_000;

class Suite {
  private readonly began = performance.now();

  constructor(private readonly o: BenchOptions) {}

  /** Runs one step and reports it on stderr when it is done (steps may overlap while seeding). */
  async step<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    const at = () => `${((performance.now() - this.began) / 1000).toFixed(0).padStart(4)} s`;
    try {
      const result = await fn();
      process.stderr.write(`${at()}  ${label}: ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
      return result;
    } catch (error) {
      process.stderr.write(`${at()}  ${label}: failed\n`);
      throw error;
    }
  }

  private child(name: string, label: string, args: Record<string, string | number>): Promise<ChildResult> {
    const execArgv: string[] = name === 'memory' ? ['--expose-gc'] : [];
    if (this.o.profile) {
      const dir = resolve(this.o.profile);
      mkdirSync(dir, { recursive: true });
      execArgv.push(
        '--cpu-prof',
        `--cpu-prof-dir=${dir}`,
        `--cpu-prof-name=${label.replace(/[^A-Za-z0-9.-]+/g, '_')}.cpuprofile`,
      );
    }
    // At full size the console measure seeds ten million rows and refreshes the forecast of a
    // million customers: more than the usual half hour on a busy machine.
    const timeoutMs = name === 'console' ? 3 * 3_600_000 : undefined;
    return this.step(label, () => runChild(name, args, { execArgv, timeoutMs }));
  }

  private has(m: MeasureName): boolean {
    return this.o.only.has(m);
  }

  /** The kept console file, a copy of the seeded customers when it does not exist yet. */
  private async keptConsole(store: Store, size: number, file: string): Promise<string> {
    const target = resolve(file);
    if (!existsSync(target)) {
      const seeded = await store.copy(await store.seeded(size, this.seeder('sqlite')), 'console');
      copyFileSync(seeded.replace(/^sqlite:/, ''), target);
      await store.drop(seeded);
    }
    return `sqlite:${target}`;
  }

  private consoleSize(): number {
    return Math.round(1_000_000 * this.o.scale);
  }

  private simulateSize(): number {
    return this.o.quick ? Math.min(QUICK_SIMULATE, this.o.small) : this.o.small;
  }

  /** The populations a database needs for the chosen measures, smallest first. */
  sizes(db: Store['name']): number[] {
    const { o } = this;
    const full = db === 'sqlite' || !o.quick;
    const sizes: number[] = [];
    if (this.has('simulate') && db === 'sqlite') sizes.push(this.simulateSize());
    if (['plan', 'deliver', 'memory', 'latency', 'feed'].some((m) => this.has(m as MeasureName)))
      sizes.push(o.small);
    if (full && (this.has('plan') || this.has('memory'))) sizes.push(o.large);
    // A kept console file is seeded when it is first needed (usually never: it exists).
    const kept = db === 'sqlite' ? o.keepConsole : o.keepConsolePg;
    if (this.has('console') && !kept) sizes.push(this.consoleSize());
    return [...new Set(sizes)].sort((a, b) => a - b);
  }

  seeder(db: Store['name']): Seeder {
    return async (url, from, to) => {
      await this.child('seed', `seed ${db} ${count(to)} customers${from ? ` (from ${count(from)})` : ''}`, {
        url,
        from,
        customers: to,
      });
    };
  }

  /**
   * Into an empty database of its own: the import needs no seeded population. As `rapport import
   * FILE` runs it (its own thread, a writer thread); on SQLite also on the calling thread with
   * each batch written in turn, in a child and a database of its own: the same run's baseline.
   */
  async importCustomers(store: Store): Promise<ResultRow[]> {
    const size = this.o.large;
    const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-import-'));
    try {
      const files = await writeImportFiles(dir, size);
      const once = async (inline: boolean) => {
        const url = await store.empty('import');
        try {
          const db = openDatabase(url);
          await migrate(db.knex).finally(() => db.close());
          const how = inline ? ', on the calling thread, batches written in turn' : '';
          const label = `import ${count(size)} customers, then again, then 10% changed${how} (${store.name})`;
          return await this.child('import', label, {
            customers: size,
            url,
            inline: inline ? 1 : 0,
            ...files,
          });
        } finally {
          await store.drop(url);
        }
      };
      const threaded = await once(false);
      const rows = importRows(store.name, size, threaded);
      if (store.name === 'sqlite')
        rows.push(...inlineImportRows(store.name, size, await once(true), threaded));
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async render(): Promise<ResultRow[]> {
    return renderRows(await this.child('render', 'render', { seconds: this.o.quick ? 2 : 6 }));
  }

  async onDatabase(store: Store): Promise<ResultRow[]> {
    const { o } = this;
    const db = store.name;
    const full = db === 'sqlite' || !o.quick;
    const rows: ResultRow[] = [];
    const withCopy = async <T>(size: number, label: string, fn: (url: string) => Promise<T>): Promise<T> => {
      const url = await store.copy(await store.seeded(size, this.seeder(db)), label);
      try {
        return await fn(url);
      } finally {
        await store.drop(url);
      }
    };
    const withDue = (size: number, label: string, fn: (url: string) => Promise<ChildResult>) =>
      withCopy(size, label, async (url) => {
        await this.child('due', `queue ${count(o.warm + o.sends)} due messages (${db}, ${count(size)})`, {
          url,
          customers: size,
          sends: o.sends,
          warm: o.warm,
        });
        return fn(url);
      });

    // A measure that fails is reported as such; the others still run.
    const attempt = async (m: MeasureName, when: boolean, fn: () => Promise<ResultRow[]>) => {
      if (!this.has(m) || !when) return;
      try {
        rows.push(...(await fn()));
      } catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        rows.push({ ...skippedRow(`${m}.failed`, m, db, ''), notes: `FAILED: ${message}` });
      }
    };
    await attempt('plan', true, async () => {
      const out: ResultRow[] = [];
      for (const size of full ? unique([o.small, o.large]) : [o.small]) {
        const label = `plan a day (${db}, ${count(size)})`;
        const r = await withCopy(size, 'plan', (url) => this.child('plan', label, { url, day: 'typical' }));
        out.push(planRow(db, size, size === o.large, r));
      }
      if (!o.quick) {
        const label = `plan a Monday (${db}, ${count(o.small)})`;
        const r = await withCopy(o.small, 'monday', (url) =>
          this.child('plan', label, { url, day: 'digest' }),
        );
        out.push(mondayRow(db, o.small, r));
      }
      return out;
    });
    await attempt('deliver', true, async () => {
      const label = `deliver end to end + baseline (${db})`;
      const r = await withDue(o.small, 'deliver', (url) =>
        this.child('deliver', label, { url, warm: o.warm }),
      );
      return deliverRows(db, r);
    });
    await attempt('memory', full, async () => {
      const sizes = unique([o.small, o.large]);
      const results: ChildResult[] = [];
      for (const size of sizes) {
        const label = `deliver for peak RSS (${db}, ${count(size)})`;
        results.push(await withDue(size, 'memory', (url) => this.child('memory', label, { url })));
      }
      return memoryRows(db, o.warm + o.sends, sizes, results);
    });
    await attempt('latency', full, async () => {
      const events = o.quick ? 100 : 300;
      const label = `API event → thank-you at the sink (${db})`;
      const args = { customers: o.small, events };
      const r = await withCopy(o.small, 'latency', (url) => this.child('latency', label, { url, ...args }));
      return latencyRows(db, events, o.small, r);
    });
    await attempt('feed', db === 'sqlite', async () => {
      const seconds = o.quick ? 2 : 5;
      const r = await withCopy(o.small, 'feed', (url) =>
        this.child('feed', `GET /feed.xml (${db})`, { url, seconds }),
      );
      return feedRows(db, r);
    });
    await attempt('simulate', db === 'sqlite', async () => {
      const size = this.simulateSize();
      // forecast only reads: the seeded population itself will do.
      const url = await store.seeded(size, this.seeder(db));
      return [
        simulateRow(
          db,
          size,
          await this.child('simulate', `simulate a year (${db}, ${count(size)})`, { url }),
        ),
      ];
    });
    await attempt('console', true, async () => {
      const size = this.consoleSize();
      const deliveries = size * 10;
      const label = `console reads (${db}, ${count(size)} customers, ${count(deliveries)} deliveries)`;
      const measure = (url: string) => this.child('console', label, { url, customers: size, deliveries });
      const r =
        db === 'sqlite' && o.keepConsole
          ? await measure(await this.keptConsole(store, size, o.keepConsole))
          : store.keptConsole && o.keepConsolePg
            ? await measure(await store.keptConsole(size, this.seeder(db)))
            : await withCopy(size, 'console', measure);
      return consoleRows(db, r);
    });
    return rows;
  }
}

function unique(sizes: number[]): number[] {
  return [...new Set(sizes)];
}
