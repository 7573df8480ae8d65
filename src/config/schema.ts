/**
 * The configuration schema: `config/rapport.yaml` after environment overrides.
 * Every key has a default where one makes sense; durations and times are parsed here,
 * once, so the rest of the program works with milliseconds and minutes.
 */
import { z } from 'zod';
import { Cron } from 'croner';
import type { Check } from '../import/text.js';
import { locale as checkLocale, timeZone as checkZone } from '../import/zone.js';
import { parseDuration } from './duration.js';
import { parseTimeOfDay } from './time-of-day.js';
import { EVENT_TYPE } from '../import/validate-event.js';

const duration = z.union([z.string(), z.number().int().nonnegative()]).transform((value, ctx) => {
  if (value === 0) return 0;
  if (typeof value === 'number') {
    // A bare 7 could mean seconds or days; guessing wrong would quietly change behaviour.
    ctx.addIssue({
      code: 'custom',
      message: `${value} has no unit: write ${value}s, ${value}m, ${value}h or ${value}d`,
    });
    return z.NEVER;
  }
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (e.g. 30m, 1h, 7d)` });
    return z.NEVER;
  }
  return ms;
});

/** `HH:MM`, kept as minutes after local midnight. */
const timeOfDay = z.string().transform((value, ctx) => {
  const minutes = parseTimeOfDay(value);
  if (minutes === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a time (HH:MM)` });
    return z.NEVER;
  }
  return minutes;
});

/** A field checked as the same field is in imported rows, and kept in the same canonical form. */
function checked(check: (value: string) => Check<string>, message?: (value: string) => string) {
  return z.string().transform((value, ctx) => {
    const result = check(value);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: message?.(value) ?? result.reason });
    return z.NEVER;
  });
}

const timeZone = checked(checkZone, (value) => `"${value}" is not an IANA time zone (e.g. America/New_York)`);
const localeTag = checked(checkLocale);

const monthDay = z.string().refine(
  (value) => {
    const m = /^(\d\d)-(\d\d)$/.exec(value);
    if (!m) return false;
    const month = Number(m[1]);
    const day = Number(m[2]);
    const days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
    return days !== undefined && day >= 1 && day <= days;
  },
  { error: (issue) => `"${String(issue.input)}" is not a calendar date (MM-DD)` },
);

const cron = z.string().refine(
  (expr) => {
    try {
      new Cron(expr, { paused: true });
      return expr.trim().split(/\s+/).length === 5;
    } catch {
      return false;
    }
  },
  { error: (issue) => `"${String(issue.input)}" is not a cron expression (minute hour day month weekday)` },
);

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lower-case letters, digits, "-" and "_" (at most 63)');

const eventType = z.string().regex(EVENT_TYPE, 'an event type is 1-64 letters, digits, or . _ : -');

const at = timeOfDay.optional();

const trigger = z.union([
  z.strictObject({
    event: eventType,
    after: duration.default(0),
    at,
    count: z.number().int().min(1).optional(),
  }),
  z.strictObject({ birthday: z.literal(true), at }),
  z.strictObject({ anniversary: z.literal('customer_since'), at }),
  z.strictObject({ date: monthDay, at }),
  z.strictObject({
    inactive: z.strictObject({ event: eventType, for: duration }),
    at,
  }),
  z.strictObject({ schedule: cron }),
]);

const automation = z.strictObject({
  id,
  on: trigger,
  template: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'a template is a folder name under templates/'),
  transactional: z.boolean().default(false),
  unless: z.strictObject({ event: eventType, within: duration }).optional(),
  where: z
    .strictObject({
      tags: z.array(z.string().min(1)).optional(),
      attributes: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  content: z.literal('new').optional(),
  enabled: z.boolean().default(true),
  /** How the preferences page names this automation to customers, e.g. "Birthday greetings". */
  label: z.string().min(1).max(80).optional(),
});

export const configSchema = z.strictObject({
  business: z
    .strictObject({
      name: z.string().min(1).default('Rapport'),
      from: z.string().min(3).default('Rapport <rapport@localhost>'),
      postal_address: z.string().min(1).optional(),
      timezone: timeZone.default('UTC'),
      locale: localeTag.default('en-US'),
      reply_to: z.string().optional(),
      url: z.string().url().optional(),
    })
    .prefault({}),
  sending: z
    .strictObject({
      window: z.strictObject({ start: timeOfDay, end: timeOfDay }).optional(),
      frequency_cap: z.strictObject({ max: z.number().int().min(1), per: duration }).optional(),
      max_lateness: duration.default(24 * 3_600_000),
      rate_limit: z.number().positive().default(50),
      leap_day: z.enum(['feb28', 'mar1']).default('feb28'),
    })
    .prefault({}),
  worker: z
    .strictObject({
      tick: cron.default('* * * * *'),
      horizon: duration.default(15 * 60_000),
      poll: duration.default(1_000),
      batch_size: z.number().int().min(1).max(5000).default(500),
      lease: duration.default(5 * 60_000),
      retry: z
        .strictObject({
          base: duration.default(60_000),
          max: duration.default(60 * 60_000),
        })
        .prefault({}),
      grace: duration.default(30_000),
      /** How often each worker checks the database for published template changes. */
      outreach_poll: duration.default(2_000),
    })
    .prefault({}),
  database: z.strictObject({ url: z.string().min(1).default('sqlite:data/rapport.db') }).prefault({}),
  smtp: z
    .strictObject({
      url: z.string().min(1).default('file:data/outbox'),
      pool_size: z.number().int().min(1).max(50).default(5),
      /** Optional DKIM signing of every message. */
      dkim: z
        .strictObject({
          domain: z.string().regex(/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'a domain name such as corner.example'),
          selector: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a DKIM selector such as mail2026'),
          private_key_file: z.string().min(1),
        })
        .optional(),
    })
    .prefault({}),
  http: z
    .strictObject({
      listen: z.string().default('127.0.0.1:8080'),
      public_url: z.string().url().default('http://127.0.0.1:8080'),
    })
    .prefault({}),
  templates: z
    .strictObject({
      /** The folder that seeds an empty database (and that `templates.sync` imports from). */
      dir: z.string().default('templates'),
      /** Import files of `dir` that changed since last read, at start and on each edit (development). */
      sync: z.boolean().default(true),
    })
    .prefault({}),
  feed: z
    .strictObject({
      title: z.string().optional(),
      description: z.string().optional(),
      items: z.number().int().min(1).max(500).default(20),
    })
    .prefault({}),
  automations: z.array(automation).default([]),
});

export type RawConfig = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type Automation = Config['automations'][number];
export type Trigger = Automation['on'];
