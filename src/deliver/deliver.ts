/**
 * The delivery loop: claim a due batch (lease) → check consent and exit conditions → render →
 * send through the pool (bounded in flight, rate-limited) → record outcomes in one transaction.
 */
import type { Config, Automation } from '../config/schema.js';
import type { ContentItem, Customer, CustomerEvent } from '../domain.js';
import type { Database } from '../db/connect.js';
import { claimDue, recordOutcomes, releaseExpiredLeases, type DeliveryOutcome, type DeliveryRow } from '../db/deliveries.js';
import { suppress } from '../db/consent.js';
import { loadBatchContext } from './context.js';
import { decide } from './decide.js';
import type { Logger } from '../log.js';
import { nextAttemptDelay } from './backoff.js';
import type { Mailer, OutgoingMessage } from './mailer.js';
import { RateLimiter } from './rate-limit.js';
import { classifySmtpError } from './smtp-errors.js';
import { CircuitBreaker } from './breaker.js';

/** Builds the message for one delivery (render + compose); throws AppError on template problems. */
export type MessageBuilder = (
  row: DeliveryRow,
  customer: Customer,
  event: CustomerEvent | undefined,
  items?: readonly ContentItem[],
) => OutgoingMessage;

export interface DeliverDeps {
  db: Database;
  config: Config;
  mailer: Mailer;
  build: MessageBuilder;
  log: Logger;
  workerId: string;
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
  /** Milliseconds from claim to the relay's acceptance, for the latency histogram. */
  onSent?(ms: number): void;
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
  private readonly automations: Map<string, Automation>;
  private readonly order: Map<string, number>;
  private stopping = false;

  constructor(private readonly deps: DeliverDeps) {
    this.limiter = new RateLimiter(deps.config.sending.rate_limit, { now: deps.now, sleep: deps.sleep });
    this.automations = new Map(deps.config.automations.map((a) => [a.id, a]));
    this.order = new Map(deps.config.automations.map((a, i) => [a.id, i]));
    this.breaker = new CircuitBreaker({ now: deps.now });
  }

  /** Stop taking new messages; in-flight ones finish, the rest of the batch is released. */
  stop(): void {
    this.stopping = true;
  }

  /** Claim and process one batch; returns what happened (claimed 0 when nothing was due). */
  async runBatch(): Promise<BatchReport> {
    const { db, config, workerId } = this.deps;
    const now = this.deps.now();
    await releaseExpiredLeases(db.knex, now);
    const limit = Math.max(1, Math.min(config.worker.batch_size, Math.ceil(config.sending.rate_limit * 10)));
    const rows = await claimDue(db.knex, db.dialect, { workerId, now, leaseMs: config.worker.lease, limit });
    const report = emptyReport(rows.length);
    if (rows.length === 0) return report;
    const { ready, outcomes } = await this.prepare(rows, now);
    const sent = await this.sendAll(ready, now);
    outcomes.push(...sent);
    await recordOutcomes(db.knex, workerId, outcomes, this.deps.now());
    for (const o of outcomes) countOutcome(report, o);
    return report;
  }

  /** Decide each claimed row (see decide.ts); render the ones to send. */
  private async prepare(rows: DeliveryRow[], now: number): Promise<{ ready: Prepared[]; outcomes: DeliveryOutcome[] }> {
    const { db, config } = this.deps;
    const ctx = await loadBatchContext(db, config, this.automations, rows, now);
    const ready: Prepared[] = [];
    const outcomes: DeliveryOutcome[] = [];
    // Earlier-due first; at the same time, the automation listed first in the config wins the cap.
    const order = (r: DeliveryRow) => this.order.get(r.automation_id) ?? Number.MAX_SAFE_INTEGER;
    const sorted = [...rows].sort((a, b) => a.due_at - b.due_at || order(a) - order(b) || a.id - b.id);
    for (const row of sorted) {
      const decision = decide(row, this.automations.get(row.automation_id), ctx, config, now);
      if (decision.kind === 'drop') {
        outcomes.push({ id: row.id, status: decision.status, reason: decision.reason, error: null });
      } else if (decision.kind === 'defer') {
        outcomes.push({ id: row.id, status: 'deferred', availableAt: decision.until, reason: decision.reason });
      } else {
        const customer = ctx.customers.get(row.customer_id) as Customer;
        const event = row.event_id ? ctx.events.get(row.event_id) : undefined;
        try {
          ready.push({ row, message: this.deps.build(row, customer, event, ctx.digests.get(row.id)) });
        } catch (error) {
          // A template problem is the operator's to fix: keep the message and try again later.
          const message = error instanceof Error ? error.message : String(error);
          this.deps.log.error({ event: 'delivery.render_failed', delivery: row.id, error: message }, 'could not render');
          outcomes.push(this.retryOutcome(row, now, message));
        }
      }
    }
    return { ready, outcomes };
  }

  /** Send with a bounded number in flight; each result becomes an outcome. */
  private async sendAll(ready: Prepared[], claimedAt: number): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = [];
    let next = 0;
    const lanes = Math.max(1, Math.min(this.deps.mailer.parallelism, ready.length));
    const lane = async () => {
      for (let i = next++; i < ready.length; i = next++) {
        const item = ready[i] as Prepared;
        if (this.stopping || !this.breaker.allows()) {
          outcomes.push({ id: item.row.id, status: 'released' });
          continue;
        }
        await this.limiter.take();
        outcomes.push(await this.sendOne(item, claimedAt));
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    return outcomes;
  }

  private async sendOne({ row, message }: Prepared, claimedAt: number): Promise<DeliveryOutcome> {
    const { log } = this.deps;
    try {
      await this.deps.mailer.send(message);
      this.breaker.success();
      this.deps.onSent?.(this.deps.now() - claimedAt);
      log.debug({ event: 'delivery.sent', delivery: row.id, automation: row.automation_id }, 'sent');
      return { id: row.id, status: 'sent', messageId: message.messageId, sentAt: this.deps.now() };
    } catch (error) {
      const failure = classifySmtpError(error);
      const now = this.deps.now();
      if (failure.kind === 'temporary') {
        if (failure.systemic) this.breaker.failure();
        log.warn({ event: 'delivery.deferred', delivery: row.id, error: failure.message }, 'temporary failure');
        return this.retryOutcome(row, now, failure.message);
      }
      if (failure.kind === 'address-rejected') {
        await suppress(this.deps.db.knex, message.to.address, `rejected: ${failure.message}`, 'bounce', now);
      }
      log.warn({ event: 'delivery.failed', delivery: row.id, error: failure.message }, 'permanent failure');
      return { id: row.id, status: 'failed', reason: failure.kind, error: failure.message };
    }
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
  return { claimed, sent: 0, retried: 0, deferred: 0, failed: 0, suppressed: 0, skipped: 0, expired: 0, released: 0 };
}

function countOutcome(report: BatchReport, o: DeliveryOutcome): void {
  if (o.status === 'pending') report.retried++;
  else report[o.status]++;
}
