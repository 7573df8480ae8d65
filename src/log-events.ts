/**
 * The operational log of the sending side, written from the app's events: the scheduler,
 * deliverer, loop and live reloads emit, and this listens, so each line is written once, in one
 * place, with the event names and fields operators already grep for.
 */
import { Emitter, type AppEventMap, type AppEvents } from './events.js';
import type { Logger } from './log.js';
import { missingDateMessage } from './occasions/warnings.js';

type Writers = { [K in keyof AppEventMap]: (log: Logger, payload: AppEventMap[K]) => void };
type TemplateLog = Pick<Logger, 'info' | 'warn'>;

const PAUSED_REFUSED =
  'the relay refuses our sender or login: sending paused, no customer failed; check the from address and the relay settings';

/** A retry or a failure: the template would not render, or the relay refused for now or for good. */
function sendFailure(log: Logger, p: AppEventMap['delivery:retry']): void {
  const fields = { delivery: p.id, error: p.error };
  if (p.cause === 'render') log.error({ event: 'delivery.render_failed', ...fields }, 'could not render');
  else if (p.cause === 'temporary') log.warn({ event: 'delivery.deferred', ...fields }, 'temporary failure');
  else log.warn({ event: 'delivery.failed', ...fields }, 'permanent failure');
}

function templateReloaded(log: TemplateLog, p: AppEventMap['template:reloaded']): void {
  log.info({ event: 'template.reloaded', template: p.template }, `template ${p.template} reloaded`);
}

function templateInvalid(log: TemplateLog, p: AppEventMap['template:invalid']): void {
  if (p.template === null) {
    log.warn({ event: 'template.invalid', problems: p.problems }, 'templates not reloaded');
    return;
  }
  log.warn(
    { event: 'template.invalid', template: p.template, kept_previous: p.keptPrevious, problems: p.problems },
    p.keptPrevious
      ? `template ${p.template} has problems; still using the last good version`
      : `template ${p.template} has problems and cannot be used`,
  );
}

const WRITERS: Writers = {
  'tick:end': (log, p) =>
    log.info({ event: 'tick.done', planned: p.planned, inserted: p.inserted }, 'planned'),
  'tick:failed': (log, p) => log.error({ event: 'tick.failed', error: p.error }, 'planning tick failed'),
  'occasion:date_missing': (log, p) =>
    log.warn(
      { event: 'occasion.date_missing', automation: p.automation, occasion: p.key, year: p.year },
      missingDateMessage(p),
    ),
  'delivery:sent': (log, p) =>
    log.debug({ event: 'delivery.sent', delivery: p.id, automation: p.key.automationId }, 'sent'),
  'delivery:failed': sendFailure,
  'delivery:retry': sendFailure,
  'delivery:slowed': (log, p) =>
    log.warn({ event: 'delivery.slow_down', rate: p.rate, error: p.error }, 'relay asked to slow down'),
  'loop:error': (log, p) =>
    log.error({ event: 'delivery.loop_error', error: p.error }, 'delivery paused after an error'),
  'batch:end': (log, p) => log.debug({ event: 'delivery.batch', ...p }, 'batch recorded'),
  'outcomes:write_failed': (log, p) =>
    log.warn(
      { event: 'delivery.record_failed', outcomes: p.outcomes, error: p.error },
      'could not record outcomes; kept for the next try',
    ),
  'outcomes:lease_lost': (log, p) =>
    log.warn(
      { event: 'delivery.lease_lost', outcomes: p.outcomes, applied: p.applied },
      'some outcomes came after the lease ran out',
    ),
  'outcomes:unrecorded': (log, p) =>
    log.error(
      { event: 'delivery.unrecorded', count: p.count, error: p.error },
      'could not record the last outcomes',
    ),
  'breaker:open': (log, p) =>
    log.error(
      {
        event: 'sending.paused',
        reason: p.reason,
        reply: p.reply,
        stage: p.stage,
        retry_at: new Date(p.retryAt).toISOString(),
      },
      p.refused ? PAUSED_REFUSED : 'the mail relay keeps failing: sending paused',
    ),
  'breaker:close': (log, p) =>
    log.warn(
      { event: 'sending.resumed', reason: p.reason, paused_ms: p.pausedMs },
      'the relay accepts our mail again: sending resumed',
    ),
  'template:reloaded': templateReloaded,
  'template:invalid': templateInvalid,
  'templates:reloaded': (log, p) =>
    log.info({ event: 'templates.revision', revision: p.revision }, `templates at revision ${p.revision}`),
  'automations:reloaded': (log, p) =>
    log.info(
      { event: 'automations.revision', revision: p.revision },
      `automations at revision ${p.revision}`,
    ),
};

function listen<K extends keyof AppEventMap>(events: AppEvents, log: Logger, name: K): () => void {
  const write = WRITERS[name];
  return events.on(name, (payload) => write(log, payload));
}

/** Every event the log writes (the test emits each and checks its line). */
const NAMES = [
  'tick:end',
  'tick:failed',
  'occasion:date_missing',
  'delivery:sent',
  'delivery:failed',
  'delivery:retry',
  'delivery:slowed',
  'loop:error',
  'batch:end',
  'outcomes:write_failed',
  'outcomes:lease_lost',
  'outcomes:unrecorded',
  'breaker:open',
  'breaker:close',
  'template:reloaded',
  'template:invalid',
  'templates:reloaded',
  'automations:reloaded',
] as const satisfies ReadonlyArray<keyof AppEventMap>;

/** Writes each of the app's events to `log` until the returned function is called. */
export function logEvents(events: AppEvents, log: Logger): () => void {
  const offs = NAMES.map((name) => listen(events, log, name));
  return () => {
    for (const off of offs) off();
  };
}

/**
 * Template events on their own emitter, written to `log`: for a template engine outside an app
 * (commands, previews), which has no app log listening.
 */
export function templateEventsLoggedTo(log: TemplateLog): AppEvents {
  const events: AppEvents = new Emitter();
  events.on('template:reloaded', (p) => templateReloaded(log, p));
  events.on('template:invalid', (p) => templateInvalid(log, p));
  return events;
}
