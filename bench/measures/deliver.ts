/**
 * deliver: claim → render → send → record into a loopback sink, against the baseline measured
 * in the same process and to the same sink: nodemailer's pooled transport alone sending the same
 * messages, rendered beforehand. Both warm up first; then round by round, one batch each way,
 * alternating which goes first, so that a machine busy for a moment weighs on both alike.
 *
 * memory: the same delivery path alone (no pre-rendered copies held), for peak RSS.
 */
import { performance } from 'node:perf_hooks';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Customer } from '../../src/domain.js';
import { getCustomersByIds } from '../../src/db/customers.js';
import { countByStatus, listDeliveries, type DeliveryRow } from '../../src/db/deliveries.js';
import { toMailOptions, type OutgoingMessage } from '../../src/deliver/mailer.js';
import { createApp, type App } from '../../src/app.js';
import { messageBuilder } from '../../src/deliver/message-builder.js';
import type { BatchReport } from '../../src/deliver/deliver.js';
import { createTemplateEngine } from '../../src/render/engine.js';
import type { DbRuntime } from '../../src/runtime.js';
import { SCRIPT, type ChildResult } from '../child.js';
import { openBenchRuntime } from '../runtime.js';
import { startSinkProcess, type Sink } from '../sink.js';
import { elapsedMs, MB, median, peakRssMb } from '../stats.js';

/**
 * Rate limiting is the operator's choice; here it must not be what is measured. Nor the send
 * window: the rows are queued due now in every zone at once (the planner would have placed each
 * inside its window), and a batch must go out whole.
 */
const UNLIMITED = { sending: { rate_limit: 1_000_000, window: undefined } };
const POOL = 5;

export async function measureDeliver(databaseUrl: string, warm: number): Promise<ChildResult> {
  const sink = await startSinkProcess(SCRIPT);
  const rt = await openBenchRuntime({ databaseUrl, smtpUrl: sink.url, config: UNLIMITED });
  const transport = nodemailer.createTransport({
    url: sink.url,
    pool: true,
    maxConnections: POOL,
    maxMessages: Infinity,
  });
  const core = await createApp(rt, { workerId: 'bench-worker' });
  try {
    // Rendered beforehand, in claim order: round r of the baseline sends what batch r sends.
    const messages = await preRender(rt);
    await sendAll(transport, messages.slice(0, warm));
    for (let claimed = 0; claimed < warm;) claimed += (await runBatch(core)).claimed;
    const batch = rt.config.worker.batch_size;
    const rounds: Array<{ baselineMs: number; e2eMs: number; sent: number }> = [];
    for (let at = warm; at < messages.length; at += batch) {
      const chunk = messages.slice(at, at + batch);
      // Alternating which goes first, so neither always meets a warmer (or busier) machine.
      const first = rounds.length % 2 === 0;
      const baselineFirst = first ? await timed(() => sendAll(transport, chunk)) : 0;
      const start = performance.now();
      const report = await runBatch(core);
      const e2eMs = elapsedMs(start);
      const baselineMs = first ? baselineFirst : await timed(() => sendAll(transport, chunk));
      rounds.push({ baselineMs, e2eMs, sent: report.sent });
    }
    if ((await runBatch(core)).claimed !== 0) throw new Error('rows left over after the last round');
    const statuses = await countByStatus(rt.db.knex);
    const received = await sink.count();
    if (statuses.sent !== messages.length || received !== 2 * messages.length) {
      throw new Error(
        `sent ${statuses.sent} of ${messages.length}; the sink received ${received} of ${2 * messages.length}`,
      );
    }
    const sum = (k: 'baselineMs' | 'e2eMs' | 'sent') => rounds.reduce((n, r) => n + r[k], 0);
    const measured = messages.length - warm;
    const ratios = rounds.map((r) => r.sent / r.e2eMs / (r.sent / r.baselineMs)).sort((a, b) => a - b);
    return {
      sends: measured,
      rounds: rounds.length,
      e2ePerSec: sum('sent') / (sum('e2eMs') / 1000),
      baselinePerSec: measured / (sum('baselineMs') / 1000),
      ratioOfTotals: sum('baselineMs') / sum('e2eMs'),
      ratioMedian: median(ratios),
      ratios,
    };
  } finally {
    await core.close();
    transport.close();
    await rt.close();
    await sink.close();
  }
}

/** One batch, which must go out whole (anything else means the measure is broken). */
async function runBatch(core: App): Promise<BatchReport> {
  const report = await core.deliverer.runBatch();
  if (report.sent !== report.claimed) throw new Error(`batch: ${JSON.stringify(report)}`);
  return report;
}

export async function measureMemory(databaseUrl: string): Promise<ChildResult> {
  const sink: Sink = await startSinkProcess(SCRIPT);
  const rt = await openBenchRuntime({ databaseUrl, smtpUrl: sink.url, config: UNLIMITED });
  // Left alone, V8 lets garbage pile up to a size that depends on GC timing (peak RSS then
  // varied by ±60 MB between identical runs). A full GC after each batch (the child runs with
  // --expose-gc) leaves what the worker keeps plus one batch's working set: what could grow
  // with the customer count.
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  try {
    const { ms, sent } = await deliverAll(rt, gc);
    gc();
    const retainedMb = process.memoryUsage().heapUsed / MB;
    return { sent, ms, perSec: sent / (ms / 1000), peakRssMb: peakRssMb(), retainedMb };
  } finally {
    await rt.close();
    await sink.close();
  }
}

/** Runs batches until nothing is due, calling `afterBatch` after each. */
async function deliverAll(rt: DbRuntime, afterBatch: () => void): Promise<{ ms: number; sent: number }> {
  const core = await createApp(rt, { workerId: 'bench-worker' });
  try {
    let sent = 0;
    const start = performance.now();
    for (;;) {
      const report = await runBatch(core);
      if (report.claimed === 0) break;
      sent += report.sent;
      afterBatch();
    }
    return { ms: elapsedMs(start), sent };
  } finally {
    await core.close();
  }
}

/** Every pending row's message, built exactly as the deliverer builds it. */
async function preRender(rt: DbRuntime): Promise<OutgoingMessage[]> {
  const engine = createTemplateEngine({ dir: rt.templatesDir });
  const build = messageBuilder(rt, engine);
  const rows: DeliveryRow[] = [];
  for (let afterId = 0; ;) {
    const page = await listDeliveries(rt.db.knex, { status: 'pending', afterId, limit: 5000 });
    rows.push(...page);
    if (page.length < 5000) break;
    afterId = (page[page.length - 1] as DeliveryRow).id;
  }
  rows.sort((a, b) => a.available_at - b.available_at || a.id - b.id);
  const customers = await getCustomersByIds(
    rt.db.knex,
    rows.map((r) => r.customer_id),
  );
  engine.close();
  return rows.map((r) => build(r, customers.get(r.customer_id) as Customer, undefined));
}

/** All handed to the pool at once: the pool keeps its connections as busy as it can. */
async function sendAll(transport: Transporter, messages: readonly OutgoingMessage[]): Promise<void> {
  await Promise.all(messages.map((m) => transport.sendMail(toMailOptions(m))));
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return elapsedMs(start);
}
