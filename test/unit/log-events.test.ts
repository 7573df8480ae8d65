/**
 * The operational log written from the app's events: each event gives one line at its level,
 * with the event name and fields operators grep for; unsubscribing stops the lines.
 */
import { describe, expect, it } from 'vitest';
import { Emitter, type AppEventMap } from '../../src/events.js';
import { logEvents, templateEventsLoggedTo } from '../../src/log-events.js';
import type { Logger } from '../../src/log.js';

type Level = keyof Logger;
interface Line {
  level: Level;
  fields: object;
  message: string | undefined;
}

function recordingLog(): { lines: Line[]; log: Logger } {
  const lines: Line[] = [];
  const at =
    (level: Level) =>
    (fields: object, message?: string): void =>
      void lines.push({ level, fields, message });
  return { lines, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

const key = { automationId: 'birthday', customerId: 'c1', occurrence: '2026-03-14' };
const batch = {
  claimed: 3,
  sent: 2,
  retried: 1,
  deferred: 0,
  failed: 0,
  suppressed: 0,
  skipped: 0,
  expired: 0,
  released: 0,
};

/** One payload per event: the type makes this list every event there is. */
const SAMPLES: { [K in keyof AppEventMap]: AppEventMap[K] } = {
  'tick:end': { at: 1, planned: 5, inserted: 2, ms: 3 },
  'tick:failed': { at: 1, error: 'database is locked' },
  'occasion:date_missing': { automation: 'diwali', key: 'diwali', year: 2031 },
  'delivery:sent': { key, id: 7, ms: 40 },
  'delivery:failed': { key, id: 8, attempt: 1, error: '550 5.1.1 gone', cause: 'permanent' },
  'delivery:retry': { key, id: 9, attempt: 2, error: '452 4.2.2 full', cause: 'temporary' },
  'delivery:slowed': { rate: 2.5, error: '421 4.7.0 slow down' },
  'loop:error': { error: 'disk is full', retryInMs: 5000 },
  'batch:end': batch,
  'outcomes:write_failed': { outcomes: 4, error: 'disk is full' },
  'outcomes:lease_lost': { outcomes: 4, applied: 3 },
  'outcomes:unrecorded': { count: 2, error: 'disk is full' },
  'breaker:open': {
    reason: 'the relay refused our sender at MAIL FROM: 553 no',
    retryAt: Date.UTC(2026, 2, 14, 9, 0, 15),
    reply: '553 no',
    stage: 'MAIL FROM',
    refused: true,
  },
  'breaker:close': { reason: 'relay down', pausedMs: 15_000 },
  'template:reloaded': { template: 'template:welcome' },
  'template:invalid': { template: 'partial:sign', keptPrevious: true, problems: ['sign.hbs:2: bad'] },
  'templates:reloaded': { revision: 4 },
  'automations:reloaded': { revision: 5 },
};

const EXPECTED: { [K in keyof AppEventMap]: Line } = {
  'tick:end': { level: 'info', fields: { event: 'tick.done', planned: 5, inserted: 2 }, message: 'planned' },
  'tick:failed': {
    level: 'error',
    fields: { event: 'tick.failed', error: 'database is locked' },
    message: 'planning tick failed',
  },
  'occasion:date_missing': {
    level: 'warn',
    fields: { event: 'occasion.date_missing', automation: 'diwali', occasion: 'diwali', year: 2031 },
    message: expect.stringMatching(
      /^automations "diwali": occasion "diwali" has no known date in 2031/,
    ) as string,
  },
  'delivery:sent': {
    level: 'debug',
    fields: { event: 'delivery.sent', delivery: 7, automation: 'birthday' },
    message: 'sent',
  },
  'delivery:failed': {
    level: 'warn',
    fields: { event: 'delivery.failed', delivery: 8, error: '550 5.1.1 gone' },
    message: 'permanent failure',
  },
  'delivery:retry': {
    level: 'warn',
    fields: { event: 'delivery.deferred', delivery: 9, error: '452 4.2.2 full' },
    message: 'temporary failure',
  },
  'delivery:slowed': {
    level: 'warn',
    fields: { event: 'delivery.slow_down', rate: 2.5, error: '421 4.7.0 slow down' },
    message: 'relay asked to slow down',
  },
  'loop:error': {
    level: 'error',
    fields: { event: 'delivery.loop_error', error: 'disk is full' },
    message: 'delivery paused after an error',
  },
  'batch:end': { level: 'debug', fields: { event: 'delivery.batch', ...batch }, message: 'batch recorded' },
  'outcomes:write_failed': {
    level: 'warn',
    fields: { event: 'delivery.record_failed', outcomes: 4, error: 'disk is full' },
    message: 'could not record outcomes; kept for the next try',
  },
  'outcomes:lease_lost': {
    level: 'warn',
    fields: { event: 'delivery.lease_lost', outcomes: 4, applied: 3 },
    message: 'some outcomes came after the lease ran out',
  },
  'outcomes:unrecorded': {
    level: 'error',
    fields: { event: 'delivery.unrecorded', count: 2, error: 'disk is full' },
    message: 'could not record the last outcomes',
  },
  'breaker:open': {
    level: 'error',
    fields: {
      event: 'sending.paused',
      reason: 'the relay refused our sender at MAIL FROM: 553 no',
      reply: '553 no',
      stage: 'MAIL FROM',
      retry_at: '2026-03-14T09:00:15.000Z',
    },
    message:
      'the relay refuses our sender or login: sending paused, no customer failed; check the from address and the relay settings',
  },
  'breaker:close': {
    level: 'warn',
    fields: { event: 'sending.resumed', reason: 'relay down', paused_ms: 15_000 },
    message: 'the relay accepts our mail again: sending resumed',
  },
  'template:reloaded': {
    level: 'info',
    fields: { event: 'template.reloaded', template: 'template:welcome' },
    message: 'template template:welcome reloaded',
  },
  'template:invalid': {
    level: 'warn',
    fields: {
      event: 'template.invalid',
      template: 'partial:sign',
      kept_previous: true,
      problems: ['sign.hbs:2: bad'],
    },
    message: 'template partial:sign has problems; still using the last good version',
  },
  'templates:reloaded': {
    level: 'info',
    fields: { event: 'templates.revision', revision: 4 },
    message: 'templates at revision 4',
  },
  'automations:reloaded': {
    level: 'info',
    fields: { event: 'automations.revision', revision: 5 },
    message: 'automations at revision 5',
  },
};

function emitSample<K extends keyof AppEventMap>(events: Emitter<AppEventMap>, name: K): void {
  events.emit(name, SAMPLES[name]);
}

describe('logEvents', () => {
  const names = Object.keys(SAMPLES) as Array<keyof AppEventMap>;

  it.each(names)('writes %s as its log line', (name) => {
    const { lines, log } = recordingLog();
    const events = new Emitter<AppEventMap>();
    logEvents(events, log);
    emitSample(events, name);
    expect(lines).toEqual([EXPECTED[name]]);
  });

  it('tells a render failure and a pause that is not a refusal apart', () => {
    const { lines, log } = recordingLog();
    const events = new Emitter<AppEventMap>();
    logEvents(events, log);
    events.emit('delivery:retry', { ...SAMPLES['delivery:retry'], error: 'no template x', cause: 'render' });
    events.emit('breaker:open', { ...SAMPLES['breaker:open'], refused: false, stage: null });
    expect(lines).toEqual([
      {
        level: 'error',
        fields: { event: 'delivery.render_failed', delivery: 9, error: 'no template x' },
        message: 'could not render',
      },
      expect.objectContaining({ level: 'error', message: 'the mail relay keeps failing: sending paused' }),
    ]);
  });

  it('says when a template cannot be used at all, and when the whole folder was not reloaded', () => {
    const { lines, log } = recordingLog();
    const events = templateEventsLoggedTo(log);
    events.emit('template:invalid', { template: 'template:x', keptPrevious: false, problems: ['p'] });
    events.emit('template:invalid', { template: null, keptPrevious: true, problems: ['q'] });
    expect(lines).toEqual([
      {
        level: 'warn',
        fields: { event: 'template.invalid', template: 'template:x', kept_previous: false, problems: ['p'] },
        message: 'template template:x has problems and cannot be used',
      },
      {
        level: 'warn',
        fields: { event: 'template.invalid', problems: ['q'] },
        message: 'templates not reloaded',
      },
    ]);
  });

  it('writes nothing once unsubscribed', () => {
    const { lines, log } = recordingLog();
    const events = new Emitter<AppEventMap>();
    const off = logEvents(events, log);
    off();
    for (const name of names) emitSample(events, name);
    expect(lines).toEqual([]);
  });
});
