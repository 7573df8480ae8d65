/**
 * The one place the sending side is assembled: clock, sleep, randomness, database, mailer,
 * templates and the deliverer. The daemon, `start --once`, the demo, the bench and the test rigs
 * all build through createApp; each injects only what it fakes (a virtual clock, a stub mailer,
 * templates read from the folder). Everything it opens is closed by close(), newest first.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { mailerOptions, type DbRuntime } from './runtime.js';
import { Deliverer, type BatchReport } from './deliver/deliver.js';
import { createMailer, type Mailer } from './deliver/mailer.js';
import { messageBuilder, type Renderer } from './deliver/message-builder.js';
import { createTemplateEngine } from './render/engine.js';
import { LiveTemplates } from './outreach/live.js';
import { seedAndSync } from './outreach/startup.js';
import { runTick, type TickReport } from './schedule/tick.js';
import { Histogram } from './http/health.js';
import { Disposers } from './disposers.js';
import { SendCounter } from './health/send-counter.js';
import { Emitter, type AppEvents } from './events.js';
import { logEvents } from './log-events.js';

export interface AppOptions {
  /** Names this worker's leases; host, process and a random tail by default. */
  workerId?: string;
  /** The clock the deliverer and the message builder read; the runtime's by default. */
  now?: () => number;
  /** The rate limiter's wait; real time by default (a virtual clock makes it instant). */
  sleep?: (ms: number) => Promise<void>;
  /** Backoff jitter; Math.random by default. */
  random?: () => number;
  /** The transport; the configured SMTP relay or mail folder by default. Closed with the app. */
  mailer?: Mailer;
  /**
   * 'database' (the default): templates from the database, seeded from (and, with
   * `templates.sync`, updated from) the templates folder first. 'folder': read from the folder
   * only, the database left as it is.
   */
  templates?: 'database' | 'folder';
}

export interface App {
  readonly rt: DbRuntime;
  readonly workerId: string;
  /** The live templates when they come from the database; null when read from the folder. */
  readonly live: LiveTemplates | null;
  readonly mailer: Mailer;
  readonly deliverer: Deliverer;
  /** Ticks, sends, failures, batches, pauses and reloads, as they happen (src/events.ts). */
  readonly events: AppEvents;
  /** Claim-to-acceptance seconds, for /metrics. */
  readonly sendLatency: Histogram;
  /** Messages the relay accepted in the last minute, for the worker's status row. */
  readonly sent: SendCounter;
  /** What close() closes; a caller that starts more parts registers their close here. */
  readonly disposers: Disposers;
  /** One planning tick at the app's now. */
  tick(): Promise<TickReport>;
  /** Batches until nothing more is due now, or sending pauses. */
  drain(): Promise<BatchReport[]>;
  /** Closes what the app opened (not the runtime), newest first; safe to call twice. */
  close(): Promise<void>;
}

function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export async function createApp(rt: DbRuntime, options: AppOptions = {}): Promise<App> {
  const disposers = new Disposers();
  const now = options.now ?? rt.now;
  const events: AppEvents = new Emitter(rt.log);
  // First in, last out: the log hears everything, including what closing reports.
  disposers.add(logEvents(events, rt.log));
  try {
    const mailer = options.mailer ?? createMailer(rt.config.smtp.url, mailerOptions(rt.config));
    disposers.add(() => mailer.close());
    disposers.add(rt.automations.reportTo(events));
    const { engine, live } = await openTemplates(rt, options.templates ?? 'database', disposers, events);
    const sendLatency = new Histogram([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
    const sent = new SendCounter();
    events.on('delivery:sent', ({ ms }) => {
      sendLatency.observe(ms / 1000);
      sent.add(now());
    });
    const workerId = options.workerId ?? newWorkerId();
    const deliverer = new Deliverer({
      db: rt.db,
      config: rt.config,
      mailer,
      build: messageBuilder(rt, engine, now),
      log: rt.log,
      workerId,
      now,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: options.random ?? Math.random,
      events,
    });
    return {
      rt,
      workerId,
      live,
      mailer,
      deliverer,
      events,
      sendLatency,
      sent,
      disposers,
      tick: () => timedTick(rt, now(), events),
      drain: () => deliverer.drain(),
      close: () => disposers.close(),
    };
  } catch (error) {
    await disposers.close();
    throw error;
  }
}

async function openTemplates(
  rt: DbRuntime,
  from: 'database' | 'folder',
  disposers: Disposers,
  events: AppEvents,
): Promise<{ engine: Renderer; live: LiveTemplates | null }> {
  if (from === 'folder') {
    const engine = createTemplateEngine({ dir: rt.templatesDir, logger: rt.log, events });
    disposers.add(() => engine.close());
    return { engine, live: null };
  }
  await seedAndSync(rt);
  const live = new LiveTemplates({
    knex: rt.db.knex,
    // Read at each reload: templates are checked against the automations in use then.
    get automations() {
      return rt.config.automations;
    },
    logger: rt.log,
    pollMs: rt.config.worker.outreach_poll,
    events,
  });
  disposers.add(() => live.close());
  await live.refresh();
  return { engine: live, live };
}

/** One planning tick at `at`, reported as 'tick:end' as the scheduler's are. */
async function timedTick(rt: DbRuntime, at: number, events: AppEvents): Promise<TickReport> {
  const started = performance.now();
  const report = await runTick(rt.db, rt.config, at);
  events.emit('tick:end', {
    at,
    planned: report.planned,
    inserted: report.inserted,
    ms: performance.now() - started,
  });
  return report;
}
