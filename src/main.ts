/**
 * The composition root: configuration + database + templates + mailer + worker + HTTP.
 * Everything long-lived is constructed here and nowhere else.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Cron } from 'croner';
import type { ContentItem, Customer, CustomerEvent } from './domain.js';
import { mailerOptions, type DbRuntime } from './runtime.js';
import type { DeliveryRow } from './db/deliveries.js';
import type { Automation } from './config/schema.js';
import { broadcastAutomationId, type Broadcast } from './broadcasts/types.js';
import { OccasionCalendar, type OccasionDate } from './occasions/resolve.js';
import { occasionCustomer } from './plan/holiday.js';
import { composeMessage } from './deliver/compose.js';
import { Deliverer, type BatchReport, type MessageBuilder } from './deliver/deliver.js';
import { DeliveryLoop } from './deliver/loop.js';
import { createMailer, type Mailer } from './deliver/mailer.js';
import { linksFor } from './links/links.js';
import { surveyLinks } from './surveys/tokens.js';
import { surveyAlertMessage } from './surveys/alert.js';
import { SURVEY_ALERT_AUTOMATION } from './surveys/record.js';
import { verpAddress } from './bounces/verp.js';
import { BouncePoller } from './bounces/poller.js';
import { readBounceMailbox } from './bounces/service.js';
import { buildTemplateData } from './render/data.js';
import type { RenderedEmail, TemplateEngine } from './render/engine.js';
import type { TemplateData } from './render/data.js';
import type { Rendering } from './deliver/mailer.js';
import { LiveTemplates } from './outreach/live.js';
import { seedAndSync, watchTemplatesFolder } from './outreach/startup.js';
import type { FolderWatch } from './render/watch.js';
import { Scheduler } from './schedule/scheduler.js';
import { runTick, type TickReport } from './schedule/tick.js';
import { UpcomingRefresher } from './schedule/upcoming-refresher.js';
import { buildPlugins, buildRoutes } from './http/routes.js';
import { Histogram, type WorkerHealth } from './http/health.js';
import { startHttpServer, type HttpLimits, type HttpServer } from './http/server.js';
import { workerHeartbeat } from './health/heartbeat.js';
import { SendCounter } from './health/send-counter.js';

export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** The occasion a holiday rule's delivery greets: its occurrence is the year. */
function occasionOf(
  calendar: OccasionCalendar,
  automation: Automation,
  customer: Customer,
  occurrence: string,
  defaultCountry: string | null,
): OccasionDate | null {
  if (!('holiday' in automation.on)) return null;
  const answer = calendar.resolve(
    automation.on.holiday,
    occasionCustomer(customer, defaultCountry),
    Number(occurrence),
  );
  return answer.kind === 'date' ? answer.occasion : null;
}

/**
 * A broadcast as the rule its message is built by. Consent holds for every broadcast, so each
 * carries the unsubscribe link and header, transactional or not (that flag only lifts the send
 * window and the frequency cap).
 */
function broadcastRule(b: Broadcast): { id: string; template: string; transactional: boolean } {
  return { id: broadcastAutomationId(b.id), template: b.template, transactional: false };
}

/** Render + compose one delivery into a message, with links signed for that customer. */
export function messageBuilder(
  rt: DbRuntime,
  engine: Pick<TemplateEngine, 'render'> | LiveTemplates,
): MessageBuilder {
  const { config } = rt;
  const occasions = new OccasionCalendar(config.occasions);
  return (
    row: DeliveryRow,
    customer: Customer,
    event: CustomerEvent | undefined,
    items?: readonly ContentItem[],
    broadcast?: Broadcast,
  ) => {
    if (row.automation_id === SURVEY_ALERT_AUTOMATION)
      return surveyAlertMessage(config, row, customer, event, rt.now());
    // Looked up each time: the live set changes when automations are edited.
    const automation = broadcast ? undefined : config.automations.find((a) => a.id === row.automation_id);
    const rule = broadcast ? broadcastRule(broadcast) : automation;
    if (!rule) throw new Error(`automation "${row.automation_id}" is not in the configuration`);
    const now = rt.now();
    const links = linksFor(config.http.public_url, rt.signingKey, customer.id, now);
    const data = buildTemplateData({
      customer,
      business: config.business,
      links,
      automation: { id: rule.id, transactional: rule.transactional },
      event: event ?? null,
      ...(items ? { items } : {}),
      occasion: automation
        ? occasionOf(occasions, automation, customer, row.occurrence, config.business.country ?? null)
        : null,
      survey: surveyLinks(config.http.public_url, rt.signingKey, {
        customerId: customer.id,
        deliveryId: row.id,
        now,
        expiresMs: config.surveys.expires,
      }),
      now,
    });
    const { rendered, rendering } = renderFor(rt, engine, rule.template, data, customer);
    const name = [customer.first_name, customer.last_name].filter(Boolean).join(' ');
    const bounceDomain = config.bounces.domain;
    const message = composeMessage({
      key: { automationId: row.automation_id, customerId: row.customer_id, occurrence: row.occurrence },
      deliveryId: row.id,
      ...(bounceDomain ? { envelopeFrom: verpAddress(rt.signingKey, row.id, bounceDomain) } : {}),
      rendered,
      from: config.business.from,
      ...(config.business.reply_to ? { replyTo: config.business.reply_to } : {}),
      to: { name, address: customer.email },
      transactional: rule.transactional,
      unsubscribeUrl: links.unsubscribe,
      date: new Date(now),
    });
    return rendering ? { ...message, rendering } : message;
  };
}

/** In the customer's language when templates come from the database (a warning for a locale that is none). */
function renderFor(
  rt: DbRuntime,
  engine: Pick<TemplateEngine, 'render'> | LiveTemplates,
  template: string,
  data: TemplateData,
  customer: Customer,
): { rendered: RenderedEmail; rendering?: Rendering } {
  if (!(engine instanceof LiveTemplates)) return { rendered: engine.render(template, data) };
  const { email, choice, rendering } = engine.renderLocalized(
    template,
    data,
    customer.locale,
    rt.config.business.locale,
  );
  if (choice.invalid) {
    rt.log.warn(
      {
        event: 'template.locale_invalid',
        customer: customer.id,
        locale: choice.requested,
        resolved: choice.resolved,
      },
      'customer locale is not a locale; using the default variant',
    );
  }
  return { rendered: email, rendering };
}

export interface Core {
  engine: LiveTemplates;
  mailer: Mailer;
  deliverer: Deliverer;
  sendLatency: Histogram;
  /** Messages the relay accepted in the last minute, for the worker's status row. */
  sent: SendCounter;
}

/**
 * The template engine, mailer and deliverer every sending mode shares (daemon, --once, the demo).
 * Templates come from the database, seeded from (and, with `templates.sync`, updated from) the
 * templates folder first.
 */
export async function buildCore(rt: DbRuntime, workerId: string): Promise<Core> {
  await seedAndSync(rt);
  const engine = new LiveTemplates({
    knex: rt.db.knex,
    // Read at each reload: templates are checked against the automations in use then.
    get automations() {
      return rt.config.automations;
    },
    logger: rt.log,
    pollMs: rt.config.worker.outreach_poll,
  });
  await engine.refresh();
  const mailer = createMailer(rt.config.smtp.url, mailerOptions(rt.config));
  const sendLatency = new Histogram([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
  const sent = new SendCounter();
  const deliverer = new Deliverer({
    db: rt.db,
    config: rt.config,
    mailer,
    build: messageBuilder(rt, engine),
    log: rt.log,
    workerId,
    now: rt.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    onSent: (ms) => {
      sendLatency.observe(ms / 1000);
      sent.add(rt.now());
    },
  });
  return { engine, mailer, deliverer, sendLatency, sent };
}

export interface OnceReport {
  tick: TickReport;
  batches: BatchReport[];
  /** Why sending paused (the relay refused us), when it did; what was left stays pending. */
  paused: string | null;
}

/** `start --once`: plan, then deliver everything due now, then stop. */
export async function runOnce(rt: DbRuntime): Promise<OnceReport> {
  const core = await buildCore(rt, newWorkerId());
  try {
    const tick = await runTick(rt.db, rt.config, rt.now());
    const batches = await core.deliverer.drain();
    return { tick, batches, paused: core.deliverer.breaker.reason };
  } finally {
    await core.mailer.close();
    core.engine.close();
  }
}

export interface Daemon {
  httpUrl: string;
  mailer: string;
  scheduler: Scheduler;
  loop: DeliveryLoop;
  /** Stop claiming, finish or release in-flight mail, close HTTP and the database. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startDaemon(rt: DbRuntime): Promise<Daemon> {
  const workerId = newWorkerId();
  const core = await buildCore(rt, workerId);
  const scheduler = new Scheduler({
    db: rt.db,
    config: rt.config,
    log: rt.log,
    now: rt.now,
    beforeTick: () => rt.automations.refresh(),
  });
  const loop = new DeliveryLoop(core.deliverer, { pollMs: rt.config.worker.poll, log: rt.log });
  const startedAt = rt.now();
  const heartbeat = workerHeartbeat({
    rt,
    workerId,
    startedAt,
    deliverer: core.deliverer,
    scheduler,
    sent: core.sent,
  });
  const health: WorkerHealth = {
    startedAt,
    lastTickAt: () => scheduler.lastTickAt,
    tickStaleAfterMs: () => 2 * tickInterval(rt.config.worker.tick) + 60_000,
    sendingPaused: () => core.deliverer.breaker.reason,
    deliveryError: () => loop.lastError,
    sendLatency: core.sendLatency,
  };
  let http: HttpServer | null = null;
  try {
    http = await startHttpServer(
      rt.config.http.listen,
      { routes: buildRoutes({ rt, health, wake: () => loop.wake() }), plugins: buildPlugins({ rt }) },
      rt.log,
      httpLimits(rt.config),
    );
  } catch (error) {
    await core.mailer.close();
    core.engine.close();
    throw error;
  }
  core.engine.start();
  // Automations edited on any worker (or the CLI) take effect here within one poll.
  rt.automations.start();
  // Development: a saved file is imported (and published when it passes) and rendered at once.
  const folder: FolderWatch | undefined = rt.config.templates.sync
    ? watchTemplatesFolder(rt, () => void core.engine.refresh().catch(() => {}))
    : undefined;
  const closeTemplates = () => {
    folder?.close();
    core.engine.close();
  };
  try {
    await scheduler.tick();
  } catch (error) {
    // Not started after all: nothing may stay open (HTTP, the template watcher, SMTP).
    await http.close();
    closeTemplates();
    await core.mailer.close();
    throw error;
  }
  await heartbeat.start();
  scheduler.start();
  loop.start();
  // The console's Upcoming page reads a stored forecast, rebuilt by one worker at a time.
  const upcoming = new UpcomingRefresher({
    db: rt.db,
    config: () => rt.config,
    log: rt.log,
    now: rt.now,
    workerId,
    beforeBuild: () => rt.automations.refresh(),
  });
  upcoming.start();
  const imap = rt.config.bounces.imap;
  const bounces = imap ? new BouncePoller(() => readBounceMailbox(rt, imap), imap.poll, rt.log) : null;
  bounces?.start();
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await scheduler.stop();
      await upcoming.stop();
      await loop.stop();
      await heartbeat.stop();
      await bounces?.stop();
      await http?.close();
      closeTemplates();
      await core.mailer.close();
      await rt.close();
    })());
  return { httpUrl: http.url, mailer: core.mailer.describe, scheduler, loop, stop };
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
