/**
 * The delivery loop: claim a due batch (lease) → check consent and exit conditions → render →
 * send through the pool (bounded in flight, rate-limited) → record outcomes by group commit
 * (recorder.ts): what the relay accepted is in the books within a few tens of milliseconds.
 */
import type { Config, Automation } from '../config/schema.js';
import type { ContentItem, Customer, CustomerEvent } from '../domain.js';
import type { Database } from '../db/connect.js';
import {
  claimDue,
  recordOutcomes,
  releaseExpiredLeases,
  type DeliveryOutcome,
  type DeliveryRow,
} from '../db/deliveries.js';
import { loadBatchContext } from './context.js';
import { decide } from './decide.js';
import { decideBroadcast } from './decide-broadcast.js';
import { broadcastIdOf, type Broadcast } from '../broadcasts/types.js';
import type { Logger } from '../log.js';
import { nextAttemptDelay } from './backoff.js';
import type { Mailer, OutgoingMessage, SendResult } from './mailer.js';
import { RateLimiter } from './rate-limit.js';
import { classifySmtpError, type SmtpFailure } from './smtp-errors.js';
import { CircuitBreaker } from './breaker.js';
import { OutcomeRecorder } from './recorder.js';
import { describeError } from '../errors.js';
import { messageRecord } from './message-record.js';
import { Emitter, type AppEvents, type SendFailureCause } from '../events.js';
import { deliveryKeyOf } from '../delivery-key.js';

/**
 * Builds the message for one delivery (render + compose); throws AppError on template problems.
 * A broadcast's row comes with its broadcast, which names the template.
 */
export type MessageBuilder = (
  row: DeliveryRow,
  customer: Customer,
  event: CustomerEvent | undefined,
  items?: readonly ContentItem[],
  broadcast?: Broadcast,
) => OutgoingMessage;

export interface DeliverDeps {
  db: Database;
  config: Config;
  mailer: Mailer;
  build: MessageBuilder;
  log: Logger;
  workerId: string;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /**
   * Where sends, failures, retries, batches, pauses and trouble with the books are reported; the
   * log hears them through it (src/log-events.ts). A private, unlogged one by default.
   */
  events?: AppEvents;
}

export interface BatchReport {
  claimed: number;
  sent: number;
  retried: number;
  /** Held back by the frequency cap. */
  deferred: number;
  failed: number;
  suppressed: number;
  skipped: number;
  expired: number;
  released: number;
}

interface Prepared {
  row: DeliveryRow;
  message: OutgoingMessage;
}

export class Deliverer {
  readonly breaker: CircuitBreaker;
  private readonly limiter: RateLimiter;
  /** The automations by id and their order, rebuilt when the live set is replaced. */
  private indexed: {
    of: readonly Automation[];
    byId: Map<string, Automation>;
    order: Map<string, number>;
  } | null = null;
  private stopping = false;
  /**
   * Outcomes go to the books while the batch sends (see recorder.ts). When the database will
   * not take them (unwritable, disk full), sending stops, they are kept, and they are written
   * first thing on the next try: until then nothing new is claimed.
   */
  private readonly recorder: OutcomeRecorder;
  /** The last failure of the whole transport, until the relay takes part again. */
  private relayFailure: string | null = null;
  private readonly healthListeners: Array<() => void> = [];
  private readonly events: AppEvents;

  constructor(private readonly deps: DeliverDeps) {
    this.limiter = new RateLimiter(deps.config.sending.rate_limit, { now: deps.now, sleep: deps.sleep });
    this.recorder = new OutcomeRecorder((o) => this.record(o));
    this.breaker = new CircuitBreaker({ now: deps.now });
    this.events = deps.events ?? new Emitter(deps.log);
  }

  private get index(): { byId: Map<string, Automation>; order: Map<string, number> } {
    const current = this.deps.config.automations;
    if (this.indexed?.of !== current) {
      this.indexed = {
        of: current,
        byId: new Map(current.map((a) => [a.id, a])),
        order: new Map(current.map((a, i) => [a.id, i])),
      };
    }
    return this.indexed;
  }

  /** Stop taking new messages: in-flight ones finish, the rest of the batch is released, nothing more is claimed. */
  stop(): void {
    this.stopping = true;
  }

  /** Why the relay is failing (the last failure of the whole transport), or null while it takes part. */
  get relayError(): string | null {
    return this.relayFailure;
  }

  /** `listener` runs when the relay starts or stops failing and when sending pauses or resumes. */
  onHealthChange(listener: () => void): void {
    this.healthListeners.push(listener);
  }

  private healthChanged(): void {
    for (const listener of this.healthListeners) listener();
  }

  /** Outcomes still waiting to be written after a database error. */
  get unrecordedCount(): number {
    return this.recorder.size;
  }

  /**
   * Claim and process one batch; returns what happened (claimed 0 when nothing was due).
   * Throws when the database fails; outcomes it could not write are kept and written by the
   * next call (or `flush`) before it claims again.
   */
  async runBatch(): Promise<BatchReport> {
    const { db, config, workerId } = this.deps;
    await this.flush();
    // While sending is paused nothing is claimed: the rows stay pending, untouched, for the probe.
    if (this.stopping || this.breaker.reopensAt !== null) return emptyReport(0);
    const now = this.deps.now();
    await releaseExpiredLeases(db.knex, now);
    // About ten seconds of sending per batch at the rate in force (lower after a slow-down).
    const limit = Math.max(1, Math.min(config.worker.batch_size, Math.ceil(this.limiter.perSecond * 10)));
    const rows = await claimDue(db.knex, db.dialect, { workerId, now, leaseMs: config.worker.lease, limit });
    const report = emptyReport(rows.length);
    if (rows.length === 0) return report;
    let prepared: Awaited<ReturnType<Deliverer['prepare']>>;
    try {
      prepared = await this.prepare(rows, now);
    } catch (error) {
      // Nothing was sent: give the rows back now rather than leave them to the lease's end.
      for (const row of rows) this.recorder.add({ id: row.id, status: 'released' });
      await this.flush().catch(() => {});
      throw error;
    }
    const { ready, outcomes } = prepared;
    for (const o of outcomes) this.recorder.add(o);
    outcomes.push(...(await this.sendAll(ready, now)));
    await this.flush();
    for (const o of outcomes) countOutcome(report, o);
    this.events.emit('batch:end', { ...report });
    return report;
  }

  /**
   * Batches until nothing is due now, or until a batch is given back whole (breaker open,
   * stopping): `start --once` and the demo. Outcomes a failing database would not take are
   * logged before the error goes on, as the daemon's loop logs them when it stops.
   */
  async drain(): Promise<BatchReport[]> {
    const batches: BatchReport[] = [];
    try {
      for (;;) {
        const report = await this.runBatch();
        if (report.claimed === 0) return batches;
        batches.push(report);
        if (report.released === report.claimed) return batches;
      }
    } catch (error) {
      if (this.unrecordedCount > 0) {
        this.events.emit('outcomes:unrecorded', { count: this.unrecordedCount, error: describeError(error) });
      }
      throw error;
    }
  }

  /** Write outcomes not yet in the books; throws while the database still fails. */
  flush(): Promise<void> {
    return this.recorder.flush();
  }

  /** One write of outcomes to the books, saying so when some no longer applied or the write failed. */
  private async record(outcomes: DeliveryOutcome[]): Promise<void> {
    const { db, workerId } = this.deps;
    let applied: number;
    try {
      applied = await recordOutcomes(db.knex, workerId, outcomes, this.deps.now());
    } catch (error) {
      this.events.emit('outcomes:write_failed', { outcomes: outcomes.length, error: describeError(error) });
      throw error;
    }
    if (applied < outcomes.length) {
      // Rows another worker took over after our lease ran out: its outcome stands, not ours.
      this.events.emit('outcomes:lease_lost', { outcomes: outcomes.length, applied });
    }
  }

  /** Decide each claimed row (see decide.ts); render the ones to send. */
  private async prepare(
    rows: DeliveryRow[],
    now: number,
  ): Promise<{ ready: Prepared[]; outcomes: DeliveryOutcome[] }> {
    const { db, config } = this.deps;
    const { byId, order: positions } = this.index;
    const ctx = await loadBatchContext(db, config, byId, rows, now);
    const ready: Prepared[] = [];
    const outcomes: DeliveryOutcome[] = [];
    // Earlier-due first; at the same time, the automation listed first in the config wins the cap.
    const order = (r: DeliveryRow) => positions.get(r.automation_id) ?? Number.MAX_SAFE_INTEGER;
    const sorted = [...rows].sort((a, b) => a.due_at - b.due_at || order(a) - order(b) || a.id - b.id);
    for (const row of sorted) {
      const broadcast = ctx.broadcasts.get(row.automation_id);
      const decision =
        broadcastIdOf(row.automation_id) !== null
          ? decideBroadcast(row, broadcast, ctx, config, now)
          : decide(row, byId.get(row.automation_id), ctx, config, now);
      if (decision.kind === 'drop') {
        outcomes.push({ id: row.id, status: decision.status, reason: decision.reason, error: null });
      } else if (decision.kind === 'defer') {
        outcomes.push({
          id: row.id,
          status: 'deferred',
          availableAt: decision.until,
          reason: decision.reason,
        });
      } else {
        const customer = ctx.customers.get(row.customer_id) as Customer;
        const event = row.event_id ? ctx.events.get(row.event_id) : undefined;
        try {
          const items = ctx.digests.get(row.id);
          ready.push({ row, message: this.deps.build(row, customer, event, items, broadcast) });
        } catch (error) {
          // A template problem is the operator's to fix: keep the message and try again later.
          const message = describeError(error);
          const retry = this.retryOutcome(row, now, message);
          this.reportRetry(row, retry, message, 'render');
          outcomes.push(retry);
        }
      }
    }
    return { ready, outcomes };
  }

  /**
   * Send with a bounded number in flight; each result becomes an outcome, recorded as it comes.
   * Messages not started are released (given back untried) when stopping, when the breaker
   * opens, when the books stop taking outcomes, or when less than smtp.timeout of the lease is left — a send must
   * finish while the claim is still ours, or another worker could take the row over and send it too.
   * After a pause, one message probes the relay while the others wait for its answer (breaker.ts).
   */
  private async sendAll(ready: Prepared[], claimedAt: number): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = [];
    // The last message started must be done (or cut off by smtp.timeout) before the lease ends.
    const startBy = claimedAt + this.deps.config.worker.lease - this.deps.config.smtp.timeout;
    const mayStart = () => !this.stopping && this.recorder.failed === null && this.deps.now() < startBy;
    // The probe must go once admitted (the others wait on its answer); anyone else checks again after waiting.
    const admit = async () => {
      if (!mayStart()) return false;
      const admission = await this.breaker.admit();
      return admission === 'probe' || (admission === 'send' && mayStart());
    };
    let next = 0;
    const { parallelism } = this.deps.mailer;
    const lanes = Math.max(1, Math.min(parallelism, ready.length));
    // Group commit (recorder.ts): a send starts only while fewer accepted messages than the
    // pool has connections await their commit, which bounds what a crash can send again.
    const unrecordedMax = Math.max(1, Math.ceil(parallelism / 2));
    const lane = async () => {
      for (let i = next++; i < ready.length; i = next++) {
        const item = ready[i];
        if (item === undefined) break;
        if (mayStart()) await this.recorder.room(unrecordedMax);
        if (mayStart()) await this.limiter.take();
        // Checked again: the waits for the books and for a rate slot can be long.
        const outcome: DeliveryOutcome = (await admit())
          ? await this.sendOne(item, claimedAt)
          : { id: item.row.id, status: 'released' };
        outcomes.push(outcome);
        this.recorder.add(outcome);
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    return outcomes;
  }

  /** Never throws: every message of the batch ends with an outcome, so none is lost from the books. */
  private async sendOne({ row, message }: Prepared, claimedAt: number): Promise<DeliveryOutcome> {
    let result: SendResult;
    try {
      result = await this.deps.mailer.send(message);
    } catch (error) {
      return this.failureOutcome(row, message, classifySmtpError(error));
    }
    this.relayTookPart();
    this.limiter.success();
    this.events.emit('delivery:sent', {
      key: deliveryKeyOf(row),
      id: row.id,
      ms: this.deps.now() - claimedAt,
    });
    const record = messageRecord(message, result);
    const sent = {
      id: row.id,
      status: 'sent' as const,
      messageId: message.messageId,
      sentAt: this.deps.now(),
    };
    return record ? { ...sent, record } : sent;
  }

  private failureOutcome(row: DeliveryRow, message: OutgoingMessage, failure: SmtpFailure): DeliveryOutcome {
    if (failure.kind === 'sender-refused') {
      // About us, not this customer: nothing is failed or suppressed; the row goes back as it was.
      this.relayFailed(failure.message);
      this.pause(failure, true);
      return { id: row.id, status: 'released' };
    }
    if (failure.systemic) {
      this.relayFailed(failure.message);
      this.pause(failure, false);
    } else this.relayTookPart();
    if (failure.kind === 'temporary') {
      if (failure.slowDown && this.limiter.slowDown()) {
        this.events.emit('delivery:slowed', { rate: this.limiter.perSecond, error: failure.message });
      }
      const retry = this.retryOutcome(row, this.deps.now(), failure.message);
      this.reportRetry(row, retry, failure.message, 'temporary');
      return retry;
    }
    const outcome: DeliveryOutcome = {
      id: row.id,
      status: 'failed',
      reason: failure.kind,
      error: failure.message,
    };
    if (failure.kind === 'address-rejected') {
      outcome.suppress = { email: message.to.address, reason: `rejected: ${failure.message}` };
    }
    this.reportRetry(row, outcome, failure.message, 'permanent');
    return outcome;
  }

  /** A sender refusal pauses at once; other failures of the whole transport after several in a row. */
  private pause(failure: SmtpFailure, refused: boolean): void {
    const who =
      failure.stage === 'session' || failure.stage === null
        ? 'us before any message'
        : `our sender at ${failure.stage}`;
    const reason = refused ? `the relay refused ${who}: ${failure.message}` : failure.message;
    if (!(refused ? this.breaker.trip(reason) : this.breaker.failure(reason))) return;
    this.healthChanged();
    this.events.emit('breaker:open', {
      reason: this.breaker.reason ?? reason,
      retryAt: this.breaker.reopensAt ?? this.deps.now(),
      reply: failure.message,
      stage: failure.stage,
      refused,
    });
  }

  /** The relay answered past our sender (accepted, or refused one recipient or message): a pause ends. */
  private relayTookPart(): void {
    const wasFailing = this.relayFailure !== null;
    this.relayFailure = null;
    const ended = this.breaker.success();
    if (wasFailing || ended) this.healthChanged();
    if (!ended) return;
    this.events.emit('breaker:close', { reason: ended.reason, pausedMs: ended.pausedMs });
  }

  private relayFailed(message: string): void {
    const first = this.relayFailure === null;
    this.relayFailure = message;
    if (first) this.healthChanged();
  }

  /** A retry when the row goes back to pending; a failure when it failed or ran out of time. */
  private reportRetry(
    row: DeliveryRow,
    { status }: DeliveryOutcome,
    error: string,
    cause: SendFailureCause,
  ): void {
    if (status !== 'pending' && status !== 'failed' && status !== 'expired') return;
    const payload = { key: deliveryKeyOf(row), id: row.id, attempt: row.attempts, error, cause };
    this.events.emit(status === 'pending' ? 'delivery:retry' : 'delivery:failed', payload);
  }

  private retryOutcome(row: DeliveryRow, now: number, error: string): DeliveryOutcome {
    const { retry } = this.deps.config.worker;
    const delay = nextAttemptDelay({ baseMs: retry.base, maxMs: retry.max }, row.attempts, this.deps.random);
    const availableAt = now + delay;
    if (availableAt - row.due_at > this.deps.config.sending.max_lateness) {
      return { id: row.id, status: 'expired', reason: 'expired', error };
    }
    return { id: row.id, status: 'pending', availableAt, error };
  }
}

function emptyReport(claimed: number): BatchReport {
  return {
    claimed,
    sent: 0,
    retried: 0,
    deferred: 0,
    failed: 0,
    suppressed: 0,
    skipped: 0,
    expired: 0,
    released: 0,
  };
}

function countOutcome(report: BatchReport, o: DeliveryOutcome): void {
  if (o.status === 'pending') report.retried++;
  else report[o.status]++;
}
