/**
 * The daemon and `start --once`, built on createApp (src/app.ts): planning, the delivery loop,
 * HTTP, template and automation reloads, the bounce mailbox. Every part started registers its
 * close on the app's stack, so stopping (or failing to start) closes each once, newest first.
 */
import { Cron } from 'croner';
import type { DbRuntime } from './runtime.js';
import { createApp, type App } from './app.js';
import type { BatchReport } from './deliver/deliver.js';
import { DeliveryLoop } from './deliver/loop.js';
import { BouncePoller } from './bounces/poller.js';
import { readBounceMailbox } from './bounces/service.js';
import { watchTemplatesFolder } from './outreach/startup.js';
import { Scheduler } from './schedule/scheduler.js';
import type { TickReport } from './schedule/tick.js';
import { UpcomingRefresher } from './schedule/upcoming-refresher.js';
import { buildPlugins, buildRoutes } from './http/routes.js';
import type { WorkerHealth } from './http/health.js';
import { startHttpServer, type HttpLimits } from './http/server.js';
import { workerHeartbeat } from './health/heartbeat.js';

export interface OnceReport {
  tick: TickReport;
  batches: BatchReport[];
  /** Why sending paused (the relay refused us), when it did; what was left stays pending. */
  paused: string | null;
}

/** `start --once`: plan, then deliver everything due now, then stop. */
export async function runOnce(rt: DbRuntime): Promise<OnceReport> {
  const app = await createApp(rt);
  try {
    const tick = await app.tick();
    const batches = await app.drain();
    return { tick, batches, paused: app.deliverer.breaker.reason };
  } finally {
    await app.close();
  }
}

export interface Daemon {
  httpUrl: string;
  mailer: string;
  scheduler: Scheduler;
  loop: DeliveryLoop;
  /** The app's events (src/events.ts): ticks, sends, batches, pauses, reloads. */
  events: App['events'];
  /** Stop claiming, finish or release in-flight mail, close HTTP and the database. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts every part of the daemon. When a part fails to start, what was started is closed (the
 * runtime is left to the caller); once started, stop() closes everything and then the runtime.
 */
export async function startDaemon(rt: DbRuntime): Promise<Daemon> {
  const app = await createApp(rt);
  try {
    const daemon = await startParts(app);
    let stopping: Promise<void> | null = null;
    const stop = () => (stopping ??= app.close().finally(() => rt.close()));
    return { ...daemon, stop };
  } catch (error) {
    // Not started after all: nothing may stay open (HTTP, the template watcher, SMTP).
    await app.close();
    throw error;
  }
}

async function startParts(app: App): Promise<Omit<Daemon, 'stop'>> {
  const { rt, deliverer, disposers } = app;
  const scheduler = new Scheduler({
    db: rt.db,
    config: rt.config,
    now: rt.now,
    beforeTick: () => rt.automations.refresh(),
    events: app.events,
  });
  const loop = new DeliveryLoop(deliverer, {
    pollMs: rt.config.worker.poll,
    events: app.events,
  });
  const startedAt = rt.now();
  const health: WorkerHealth = {
    startedAt,
    lastTickAt: () => scheduler.lastTickAt,
    tickStaleAfterMs: () => 2 * tickInterval(rt.config.worker.tick) + 60_000,
    sendingPaused: () => deliverer.breaker.reason,
    deliveryError: () => loop.lastError,
    sendLatency: app.sendLatency,
  };
  const http = await startHttpServer(
    rt.config.http.listen,
    { routes: buildRoutes({ rt, health, wake: () => loop.wake() }), plugins: buildPlugins({ rt }) },
    rt.log,
    httpLimits(rt.config),
  );
  disposers.add(() => http.close());
  app.live?.start();
  // Automations edited on any worker (or the CLI) take effect here within one poll.
  rt.automations.start();
  // Development: a saved file is imported (and published when it passes) and rendered at once.
  if (rt.config.templates.sync) {
    const folder = watchTemplatesFolder(rt, () => void app.live?.refresh().catch(() => {}));
    disposers.add(() => folder.close());
  }
  await scheduler.tick();
  // This worker's row in worker_status: written until the delivery loop has stopped, then marked stopped.
  const heartbeat = workerHeartbeat({
    rt,
    workerId: app.workerId,
    startedAt,
    deliverer,
    scheduler,
    sent: app.sent,
  });
  await heartbeat.start();
  disposers.add(() => heartbeat.stop());
  // Stopped newest first: the bounce mailbox, the stored forecast, planning, then delivery
  // (finishing its batch).
  loop.start();
  disposers.add(() => loop.stop());
  scheduler.start();
  disposers.add(() => scheduler.stop());
  // The console's Upcoming page reads a stored forecast, rebuilt by one worker at a time.
  const upcoming = new UpcomingRefresher({
    db: rt.db,
    config: () => rt.config,
    log: rt.log,
    now: rt.now,
    workerId: app.workerId,
    beforeBuild: () => rt.automations.refresh(),
  });
  upcoming.start();
  disposers.add(() => upcoming.stop());
  const imap = rt.config.bounces.imap;
  if (imap) {
    const bounces = new BouncePoller(() => readBounceMailbox(rt, imap), imap.poll, rt.log);
    bounces.start();
    disposers.add(() => bounces.stop());
  }
  return { httpUrl: http.url, mailer: app.mailer.describe, scheduler, loop, events: app.events };
}

function httpLimits(config: DbRuntime['config']): HttpLimits {
  const { header_timeout, body_timeout, max_connections } = config.http;
  return { headerTimeoutMs: header_timeout, bodyTimeoutMs: body_timeout, maxConnections: max_connections };
}

/** The usual gap between two ticks of a cron expression. */
function tickInterval(expr: string): number {
  const [a, b] = new Cron(expr, { paused: true }).nextRuns(2);
  return a && b ? b.getTime() - a.getTime() : 60_000;
}
