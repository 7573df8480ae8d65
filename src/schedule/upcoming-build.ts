/**
 * Builds the stored forecast the console's Upcoming page reads: the same forecast as
 * `rapport upcoming` (automations with the books, then planned broadcasts) over the next days,
 * written as a new generation in chunks, each its own transaction, then switched to in one
 * transaction with its counts, so a reader sees the old forecast or the new one, never half.
 * One builder at a time: the lease on the state row (upcoming-state.ts), renewed each chunk.
 */
import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { readRevision } from '../db/outreach-revision.js';
import {
  clearForGeneration,
  insertCounts,
  writeLines,
  type DayCount,
  type NewLine,
} from '../db/upcoming-lines.js';
import { linesTableOf } from '../db/upcoming-schema.js';
import {
  LeaseLost,
  nextGeneration,
  publishGeneration,
  readUpcomingState,
  releaseUpcomingLease,
  takeUpcomingLease,
} from '../db/upcoming-state.js';
import { upcomingBroadcasts } from '../broadcasts/upcoming.js';
import { forecastRows, type ForecastLine, type ForecastRow } from './forecast.js';

const DAY = 86_400_000;
/** The days the console shows. */
export const UPCOMING_DAYS = 14;
/** A builder that stops renewing (it died) frees the lease after this long. */
const LEASE_MS = 120_000;
/** Lines written per transaction: a commit each costs more than the rows at a million customers. */
const CHUNK = 10_000;

export interface BuildOptions {
  now: () => number;
  /** This worker, as the lease names it. */
  owner: string;
  /** Recorded as computed_by: a worker id, or who asked. */
  by: string;
}

export interface BuildReport {
  generation: number;
  lines: number;
  ms: number;
}

/** Builds and publishes a fresh forecast; null when another builder holds the lease. */
export async function buildUpcoming(
  db: Database,
  config: Config,
  o: BuildOptions,
): Promise<BuildReport | null> {
  const started = o.now();
  // How long it took is measured apart from the injected clock (which a test or bench may hold still).
  const clock = performance.now();
  if (!(await takeUpcomingLease(db.knex, o.owner, started, LEASE_MS))) return null;
  try {
    const revision = await readRevision(db.knex);
    const current = (await readUpcomingState(db.knex)).generation;
    let generation = await nextGeneration(db.knex, o.owner);
    // Into the table the current forecast is not in (a build that failed left a number unused).
    if (current !== null && linesTableOf(generation) === linesTableOf(current))
      generation = await nextGeneration(db.knex, o.owner);
    await clearForGeneration(db.knex, generation, current);
    const writer = new ChunkWriter(db, config.business.timezone, generation, o);
    const to = started + UPCOMING_DAYS * DAY;
    await forecastRows(db, config, { from: started, to, useBooks: true, onRows: (r) => writer.addRows(r) });
    await writer.addLines(await upcomingBroadcasts(db, config, started, to));
    await writer.flush();
    const published = { generation, computedBy: o.by, horizonTo: to, revision };
    await db.knex.transaction(async (trx) => {
      await insertCounts(trx, generation, writer.counts());
      const buildMs = Math.round(performance.now() - clock);
      await publishGeneration(trx, o.owner, { ...published, computedAt: started, buildMs });
    });
    return { generation, lines: writer.written, ms: Math.round(performance.now() - clock) };
  } finally {
    await releaseUpcomingLease(db.knex, o.owner);
  }
}

/** Buffers lines, writes them a chunk per transaction (renewing the lease), and counts them. */
class ChunkWriter {
  private buffer: NewLine[] = [];
  private readonly tally = new Map<string, DayCount>();
  private readonly days: DayOf;
  written = 0;

  constructor(
    private readonly db: Database,
    zone: string,
    private readonly generation: number,
    private readonly o: BuildOptions,
  ) {
    this.days = new DayOf(zone);
  }

  /** The automations' lines, as planned (no time text to parse back). */
  async addRows(rows: readonly ForecastRow[]): Promise<void> {
    for (const { p, email, reason } of rows) {
      this.push({
        day: this.days.of(p.dueAt),
        automation_id: p.automationId,
        customer_id: p.customerId,
        email,
        occurrence: p.occurrence,
        due_at: p.dueAt,
        local_time: p.localTime,
        outcome: reason === null ? 'send' : 'skip',
        reason,
      });
    }
    if (this.buffer.length >= CHUNK) await this.flush();
  }

  /** Lines of planned broadcasts. */
  async addLines(lines: readonly ForecastLine[]): Promise<void> {
    for (const l of lines) {
      const dueAt = Date.parse(l.send_at);
      this.push({
        day: this.days.of(dueAt),
        automation_id: l.automation,
        customer_id: l.customer_id,
        email: l.email,
        occurrence: l.occurrence,
        due_at: dueAt,
        local_time: l.local_time,
        outcome: l.outcome,
        reason: l.reason,
      });
    }
    if (this.buffer.length >= CHUNK) await this.flush();
  }

  private push(line: NewLine): void {
    this.buffer.push(line);
    this.count(line);
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    if (!(await takeUpcomingLease(this.db.knex, this.o.owner, this.o.now(), LEASE_MS))) throw new LeaseLost();
    await writeLines(this.db.knex, this.generation, batch);
    this.written += batch.length;
  }

  counts(): DayCount[] {
    return [...this.tally.values()];
  }

  private count(l: NewLine): void {
    const key = `${l.day}\u0000${l.automation_id}`;
    const c = this.tally.get(key) ?? { day: l.day, automation_id: l.automation_id, sends: 0, held: 0 };
    if (l.outcome === 'send') c.sends++;
    else c.held++;
    this.tally.set(key, c);
  }
}

/** The business day of an instant, computed once per quarter hour (no zone's midnight falls inside one). */
class DayOf {
  private readonly cache = new Map<number, string>();
  constructor(private readonly zone: string) {}

  of(at: number): string {
    const slot = Math.floor(at / 900_000);
    let day = this.cache.get(slot);
    if (day === undefined) {
      day = DateTime.fromMillis(slot * 900_000, { zone: this.zone }).toISODate() as string;
      this.cache.set(slot, day);
    }
    return day;
  }
}
