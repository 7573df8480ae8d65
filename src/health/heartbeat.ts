/**
 * The worker's heartbeat: it writes its own worker_status row every `worker.heartbeat`, at once
 * when its relay or breaker changes (the caller calls `beat`), and marks itself stopped on a
 * clean stop. Rows of workers silent for a day are pruned. A write that fails is logged and
 * tried again at the next beat: health reporting never stops the worker.
 */
import { hostname } from 'node:os';
import type { Knex } from 'knex';
import type { DbRuntime } from '../runtime.js';
import { VERSION } from '../version.js';
import {
  markWorkerStopped,
  pruneWorkerStatus,
  upsertWorkerStatus,
  type WorkerStatusRow,
} from '../db/worker-status.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';

const DAY = 86_400_000;
/** Pruning other workers' rows is housekeeping: once an hour is plenty. */
const PRUNE_EVERY = 3_600_000;

export interface WorkerIdentity {
  workerId: string;
  host: string;
  pid: number;
  version: string;
  startedAt: number;
}

/** What the worker reads of itself at each beat. */
export interface WorkerState {
  breaker: {
    readonly reason: string | null;
    readonly openedAt: number | null;
    readonly reopensAt: number | null;
  };
  relayError(): string | null;
  lastTickAt(): number | null;
  sentLastMinute(now: number): number;
}

/** The row a worker writes of itself at `now`. */
export function statusRow(
  who: WorkerIdentity,
  state: WorkerState,
  heartbeatMs: number,
  now: number,
): WorkerStatusRow {
  const { breaker } = state;
  const relayError = state.relayError();
  return {
    worker_id: who.workerId,
    host: who.host,
    pid: who.pid,
    version: who.version,
    started_at: who.startedAt,
    heartbeat_at: now,
    heartbeat_ms: heartbeatMs,
    stopped_at: null,
    relay: relayError === null ? 'ok' : 'failing',
    relay_error: relayError,
    breaker: breaker.reason === null ? 'closed' : breaker.reopensAt === null ? 'half-open' : 'open',
    breaker_opened_at: breaker.openedAt,
    breaker_reopens_at: breaker.reopensAt,
    breaker_reason: breaker.reason,
    last_tick_at: state.lastTickAt(),
    sent_last_minute: state.sentLastMinute(now),
  };
}

export interface HeartbeatOptions {
  knex: Knex;
  who: WorkerIdentity;
  state: WorkerState;
  intervalMs: number;
  now(): number;
  log: Logger;
}

export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: HeartbeatOptions) {}

  /** Writes the row now, then every interval. */
  async start(): Promise<void> {
    await this.beat();
    this.timer ??= setInterval(() => void this.beat(), this.options.intervalMs);
    // Health reporting alone must not keep a finished process alive.
    this.timer.unref();
  }

  /** Writes the row (once more after the write in progress, when one is); never throws. */
  beat(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.writing) {
      this.again = true;
      return this.writing;
    }
    this.writing = (async () => {
      do {
        this.again = false;
        await this.write();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.writing = null;
    });
    return this.writing;
  }

  /** Marks the row stopped (a clean stop); safe to call twice. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.stopped) return;
    this.stopped = true;
    await this.writing;
    const { knex, who, now } = this.options;
    await this.guard('stop', () => markWorkerStopped(knex, who.workerId, now()));
  }

  private async write(): Promise<void> {
    const { knex, who, state, intervalMs, now } = this.options;
    const at = now();
    await this.guard('beat', async () => {
      await upsertWorkerStatus(knex, statusRow(who, state, intervalMs, at));
      if (at - this.prunedAt < PRUNE_EVERY) return;
      this.prunedAt = at;
      await pruneWorkerStatus(knex, at - DAY);
    });
  }

  private async guard(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.options.log.warn(
        { event: 'worker.status_failed', during: what, error: describeError(error) },
        'could not record this worker’s status; trying again at the next heartbeat',
      );
    }
  }
}

/** The parts of a running worker its heartbeat reads. */
export interface HeartbeatParts {
  rt: Pick<DbRuntime, 'db' | 'config' | 'now' | 'log'>;
  workerId: string;
  startedAt: number;
  deliverer: {
    readonly breaker: WorkerState['breaker'];
    readonly relayError: string | null;
    onHealthChange(listener: () => void): void;
  };
  scheduler: { readonly lastTickAt: number | null };
  sent: { lastMinute(now: number): number };
}

/** The daemon's heartbeat: every `worker.heartbeat`, and at once when its relay or breaker changes. */
export function workerHeartbeat(p: HeartbeatParts): Heartbeat {
  const { rt, deliverer } = p;
  const heartbeat = new Heartbeat({
    knex: rt.db.knex,
    who: {
      workerId: p.workerId,
      host: hostname(),
      pid: process.pid,
      version: VERSION,
      startedAt: p.startedAt,
    },
    state: {
      breaker: deliverer.breaker,
      relayError: () => deliverer.relayError,
      lastTickAt: () => p.scheduler.lastTickAt,
      sentLastMinute: (now) => p.sent.lastMinute(now),
    },
    intervalMs: rt.config.worker.heartbeat,
    now: rt.now,
    log: rt.log,
  });
  deliverer.onHealthChange(() => void heartbeat.beat());
  return heartbeat;
}
