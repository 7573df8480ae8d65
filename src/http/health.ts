/**
 * /healthz: the process answers. /readyz: it can do its job — the database takes a write, the
 * scheduler ticked recently, and sending is not paused by the circuit breaker.
 * /metrics: Prometheus text.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../db/connect.js';
import { countByAutomationAndStatus, countDue } from '../db/deliveries.js';
import { setState } from '../db/state.js';
import { countBounceEvents } from '../db/bounces.js';
import { describeError } from '../errors.js';
import { sendJson, sendText } from './respond.js';

export interface WorkerHealth {
  /** Last successful planning tick, epoch ms. */
  lastTickAt(): number | null;
  /** Longest acceptable gap between ticks (two intervals). */
  tickStaleAfterMs(): number;
  /** Why sending is paused (the relay refused us, or keeps failing), or null while it is not. */
  sendingPaused(): string | null;
  deliveryError(): string | null;
  startedAt: number;
  sendLatency: Histogram;
}

export interface HealthDeps {
  db: Database;
  worker: WorkerHealth;
  now(): number;
  /** More metric lines, from other parts (survey results). */
  moreMetrics?(): Promise<string[]>;
}

export function handleHealthz(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

export async function readiness(
  deps: HealthDeps,
): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const now = deps.now();
  const checks: Record<string, string> = {};
  try {
    await setState(deps.db.knex, 'ready.probe', String(now), now);
    checks.database = 'ok';
  } catch (error) {
    checks.database = `not writable: ${describeError(error)}`;
  }
  const last = deps.worker.lastTickAt() ?? deps.worker.startedAt;
  checks.scheduler =
    now - last <= deps.worker.tickStaleAfterMs() ? 'ok' : `no tick since ${new Date(last).toISOString()}`;
  const paused = deps.worker.sendingPaused();
  checks.sending = paused === null ? 'ok' : `paused: ${paused}`;
  const deliveryError = deps.worker.deliveryError();
  if (deliveryError) checks.delivery = `paused: ${deliveryError}`;
  const ready = Object.values(checks).every((v) => v === 'ok');
  return { ready, checks };
}

export async function handleReadyz(
  deps: HealthDeps,
  _req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { ready, checks } = await readiness(deps);
  sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    this.buckets.forEach((b, i) => {
      if (value <= b) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
  }

  lines(name: string): string[] {
    const out = this.buckets.map((b, i) => `${name}_bucket{le="${b}"} ${this.counts[i] ?? 0}`);
    out.push(
      `${name}_bucket{le="+Inf"} ${this.count}`,
      `${name}_sum ${this.sum}`,
      `${name}_count ${this.count}`,
    );
    return out;
  }
}

export async function handleMetrics(
  deps: HealthDeps,
  _req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const now = deps.now();
  const lines: string[] = [
    '# HELP rapport_deliveries Deliveries by automation and status.',
    '# TYPE rapport_deliveries gauge',
  ];
  for (const r of await countByAutomationAndStatus(deps.db.knex)) {
    lines.push(`rapport_deliveries{automation="${label(r.automation_id)}",status="${r.status}"} ${r.n}`);
  }
  lines.push(
    '# HELP rapport_bounce_reports Reports received after sending (bounces, delays, complaints, auto-replies), by kind.',
  );
  lines.push('# TYPE rapport_bounce_reports gauge');
  for (const r of await countBounceEvents(deps.db.knex))
    lines.push(`rapport_bounce_reports{kind="${label(r.kind)}"} ${r.n}`);
  lines.push(
    '# HELP rapport_queue_due Pending deliveries due now.',
    '# TYPE rapport_queue_due gauge',
    `rapport_queue_due ${await countDue(deps.db.knex, now)}`,
    '# HELP rapport_last_tick_seconds Time of the last planning tick (unix seconds).',
    '# TYPE rapport_last_tick_seconds gauge',
    `rapport_last_tick_seconds ${Math.floor((deps.worker.lastTickAt() ?? 0) / 1000)}`,
    '# HELP rapport_sending_paused 1 while the circuit breaker holds sending.',
    '# TYPE rapport_sending_paused gauge',
    `rapport_sending_paused ${deps.worker.sendingPaused() === null ? 0 : 1}`,
    '# HELP rapport_send_seconds Time from claim to the relay accepting a message.',
    '# TYPE rapport_send_seconds histogram',
    ...deps.worker.sendLatency.lines('rapport_send_seconds'),
  );
  if (deps.moreMetrics) lines.push(...(await deps.moreMetrics()));
  sendText(res, 200, `${lines.join('\n')}\n`, 'text/plain; version=0.0.4; charset=utf-8');
}

function label(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}
