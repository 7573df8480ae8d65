/**
 * worker_status: one row per worker, written by the worker itself (a heartbeat, and at once when
 * its relay or circuit breaker changes), so that any console reading the database sees every
 * worker's health, not only its own process's.
 */
import type { Knex } from 'knex';

const TABLE = 'worker_status';

export type RelayState = 'ok' | 'failing';
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface WorkerStatusRow {
  worker_id: string;
  host: string;
  pid: number;
  version: string;
  started_at: number;
  heartbeat_at: number;
  /** The worker's own heartbeat interval: "alive" is judged against it, not the reader's. */
  heartbeat_ms: number;
  /** Set by a clean stop; null while running (or after a crash). */
  stopped_at: number | null;
  relay: RelayState;
  /** The last failure of the whole transport while the relay is failing, in words. */
  relay_error: string | null;
  breaker: BreakerState;
  /** When sending was paused, while it is. */
  breaker_opened_at: number | null;
  /** When the next probe may go, while that is ahead. */
  breaker_reopens_at: number | null;
  breaker_reason: string | null;
  last_tick_at: number | null;
  sent_last_minute: number | null;
}

export async function createWorkerStatus(knex: Knex): Promise<void> {
  await knex.schema.createTable(TABLE, (t) => {
    // host:pid:random, as the claim code names the worker in deliveries.locked_by.
    t.string('worker_id', 200).primary();
    t.string('host', 255).notNullable();
    t.integer('pid').notNullable();
    t.string('version', 50).notNullable();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('heartbeat_at').notNullable().index();
    t.integer('heartbeat_ms').notNullable();
    t.bigInteger('stopped_at');
    t.string('relay', 10).notNullable();
    t.text('relay_error');
    t.string('breaker', 10).notNullable();
    t.bigInteger('breaker_opened_at');
    t.bigInteger('breaker_reopens_at');
    t.text('breaker_reason');
    t.bigInteger('last_tick_at');
    t.integer('sent_last_minute');
  });
}

export async function dropWorkerStatus(knex: Knex): Promise<void> {
  await knex.schema.dropTable(TABLE);
}

/** Writes the worker's row whole (a worker is the only writer of its own row). */
export async function upsertWorkerStatus(knex: Knex, row: WorkerStatusRow): Promise<void> {
  const { worker_id: _id, ...rest } = row;
  await knex(TABLE).insert(row).onConflict('worker_id').merge(rest);
}

export async function markWorkerStopped(knex: Knex, workerId: string, now: number): Promise<void> {
  await knex(TABLE).where('worker_id', workerId).update({ stopped_at: now, heartbeat_at: now });
}

/** Forgets workers last heard from before `before` (stopped or gone); returns how many. */
export async function pruneWorkerStatus(knex: Knex, before: number): Promise<number> {
  return knex(TABLE).where('heartbeat_at', '<', before).delete();
}

/** Every worker's row, most recently started first. */
export async function listWorkerStatus(knex: Knex): Promise<WorkerStatusRow[]> {
  const rows = (await knex(TABLE)
    .select('*')
    .orderBy([
      { column: 'started_at', order: 'desc' },
      { column: 'worker_id', order: 'asc' },
    ])) as Array<Record<string, unknown>>;
  return rows.map(fromRow);
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Postgres returns BIGINT as text. */
function fromRow(r: Record<string, unknown>): WorkerStatusRow {
  return {
    worker_id: String(r.worker_id),
    host: String(r.host),
    pid: Number(r.pid),
    version: String(r.version),
    started_at: Number(r.started_at),
    heartbeat_at: Number(r.heartbeat_at),
    heartbeat_ms: Number(r.heartbeat_ms),
    stopped_at: num(r.stopped_at),
    relay: r.relay === 'failing' ? 'failing' : 'ok',
    relay_error: (r.relay_error as string | null) ?? null,
    breaker: r.breaker === 'open' || r.breaker === 'half-open' ? r.breaker : 'closed',
    breaker_opened_at: num(r.breaker_opened_at),
    breaker_reopens_at: num(r.breaker_reopens_at),
    breaker_reason: (r.breaker_reason as string | null) ?? null,
    last_tick_at: num(r.last_tick_at),
    sent_last_minute: num(r.sent_last_minute),
  };
}
