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
import { country as checkCountry, region as checkRegion } from '../import/country.js';
import { isHolidayRule } from '../occasions/library.js';
import { OCCASION_KEY } from '../occasions/keys.js';
import { email as checkEmail } from '../import/email.js';

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

const countryCode = checked(checkCountry);

/** `US`, or `CA-NS` for one province or state (ISO 3166-2). */
const place = z.string().transform((value, ctx) => {
  const [head, ...rest] = value.split('-');
  const c = checkCountry(head ?? '');
  const r = rest.length > 0 && c.ok ? checkRegion(rest.join('-'), c.value) : undefined;
  if (!c.ok || (r && !r.ok)) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is not a country (US) or a country and region (CA-NS)`,
    });
    return z.NEVER;
  }
  return r?.ok ? `${c.value}-${r.value}` : c.value;
});

/** `MM-DD` every year, or `YYYY-MM-DD` once. */
const quietDay = z.string().refine(
  (value) => {
    const m = /^(?:(\d{4})-)?(\d\d)-(\d\d)$/.exec(value);
    if (!m) return false;
    const year = m[1] === undefined ? 2000 : Number(m[1]);
    const day = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3])));
    return day.getUTCMonth() + 1 === Number(m[2]) && day.getUTCDate() === Number(m[3]);
  },
  { error: (issue) => `"${String(issue.input)}" is not a calendar date (MM-DD every year, or YYYY-MM-DD)` },
);

const occasionKey = z
  .string()
  .regex(
    OCCASION_KEY,
    'an occasion key is lower-case letters, digits and "-", e.g. thanksgiving or lunar-new-year',
  );

/** A business's own occasion: a rule in date-holidays' grammar, a table of dates by year, or both. */
const occasion = z
  .strictObject({
    /** How listings and templates name it; the key when absent. */
    name: z.string().min(1).max(80).optional(),
    rule: z
      .string()
      .refine(isHolidayRule, {
        error: (issue) =>
          `"${String(issue.input)}" is not a date rule (e.g. "easter -2", "4th thursday in November", "chinese 01-0-01", "1 Shawwal")`,
      })
      .optional(),
    /** Published dates by year; they win over the rule in their year. */
    dates: z.record(z.string().regex(/^\d{4}$/, 'a year such as 2027'), monthDay).optional(),
    /** Where it applies (`US`, `CA-NS`); everywhere when absent. */
    countries: z.array(place).min(1).optional(),
    /** Opt-in: only customers with one of these tags receive it. */
    tags: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((o) => o.rule !== undefined || o.dates !== undefined, {
    error: 'give a rule, a table of dates, or both',
  });

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

/** Event types are compared without case: kept lower-cased, as imported events are. */
const eventType = z
  .string()
  .regex(EVENT_TYPE, 'an event type is 1-64 letters, digits, or . _ : -')
  .transform((value) => value.toLowerCase());

/** A platform's shared secret: long enough that it cannot be guessed. */
const hookSecret = z.string().min(8, 'a webhook secret has at least 8 characters');

/** A generic inbound webhook: who may call it, what it brings, and which field is which. */
const inboundHook = z
  .strictObject({
    /** Callers send `Authorization: Bearer TOKEN`. */
    token: hookSecret.optional(),
    /** Callers sign the raw body: `X-Rapport-Signature: sha256=HEX` (HMAC-SHA256). */
    secret: hookSecret.optional(),
    kind: z.enum(['customers', 'events']),
    /** Body key (dots reach into objects, e.g. `booking.client.email`) → field. */
    map: z.record(z.string(), z.string()).default({}),
    /** Event type for an events hook whose body names none. */
    type: eventType.optional(),
  })
  .refine((hook) => (hook.token === undefined) !== (hook.secret === undefined), {
    error: 'give exactly one of token or secret',
  });

const at = timeOfDay.optional();

const trigger = z.union([
  z.strictObject({
    event: eventType,
    after: duration.default(0),
    at,
    count: z.number().int().min(1).optional(),
  }),
  /** After a survey answer: `low` (CSAT 1-2, NPS 0-6) or `high` (CSAT 4-5, NPS 9-10). */
  z.strictObject({ survey: z.enum(['low', 'high']), after: duration.default(0), at }),
  z.strictObject({ birthday: z.literal(true), at }),
  z.strictObject({ anniversary: z.literal('customer_since'), at }),
  z.strictObject({ date: monthDay, at }),
  z.strictObject({
    inactive: z.strictObject({ event: eventType, for: duration }),
    at,
  }),
  z.strictObject({ schedule: cron }),
  z.strictObject({ holiday: occasionKey, at }),
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
  /** Marks the automation as a survey invitation: counted by `rapport feedback`, throttled by `surveys.throttle`. */
  survey: z.enum(['csat', 'nps']).optional(),
});

const domainName = z.string().regex(/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'a domain name such as corner.example');

/** Mail and reports that come back after the relay took a message. */
const bounces = z
  .strictObject({
    /**
     * The domain of the envelope sender (`bounces+<id>.<mac>@DOMAIN`): returned mail goes there.
     * Unset: the envelope sender is the From address and bounces are matched by their contents.
     */
    domain: domainName.optional(),
    /** A mailbox that receives the bounces; read on every `poll` and by `rapport bounces process`. */
    imap: z
      .strictObject({
        /** imap://user:pass@host:143 or imaps://user:pass@host:993 (env RAPPORT_BOUNCES_IMAP_URL). */
        url: z.string().regex(/^imaps?:\/\/[^/]+/, 'an imap:// or imaps:// URL with user:pass@host'),
        /** Where bounces arrive. */
        mailbox: z.string().min(1).default('INBOX'),
        /** Where they go once handled (never deleted). */
        processed: z.string().min(1).default('Processed'),
        /** Where mail goes that is not a report about one of our messages. */
        unrecognised: z.string().min(1).default('Unrecognised'),
        /** How often the daemon reads the mailbox. */
        poll: duration.default(60_000),
      })
      .optional(),
    /** Relay webhooks (POST /hooks/bounces/NAME); each is off until its secret is set. */
    webhooks: z
      .strictObject({
        /** Amazon SES via SNS: PEM files of the SNS signing certificates to trust (never fetched). */
        ses: z
          .strictObject({ certificates: z.array(z.string().min(1)).min(1), topic_arn: z.string().optional() })
          .optional(),
        /** Postmark: the token its webhook sends as the basic-auth password. */
        postmark: z
          .strictObject({ user: z.string().min(1).default('postmark'), token: z.string().min(8) })
          .optional(),
        /** Mailgun: the HTTP webhook signing key. */
        mailgun: z.strictObject({ signing_key: z.string().min(8) }).optional(),
      })
      .prefault({}),
  })
  .prefault({});

export const configSchema = z.strictObject({
  business: z
    .strictObject({
      name: z.string().min(1).default('Rapport'),
      from: z.string().min(3).default('Rapport <rapport@localhost>'),
      postal_address: z.string().min(1).optional(),
      timezone: timeZone.default('UTC'),
      /** ISO 3166-1 country of customers without one: whose public holidays they keep. */
      country: countryCode.optional(),
      locale: localeTag.default('en-US'),
      reply_to: z.string().optional(),
      url: z.string().url().optional(),
      /** Staff address that gets one alert per low survey score (none: no alerts). */
      alerts_to: z
        .string()
        .transform((value, ctx) => {
          const result = checkEmail(value.trim());
          if (result.ok && result.value !== null) return result.value;
          ctx.addIssue({ code: 'custom', message: `"${value}" is not an email address` });
          return z.NEVER;
        })
        .optional(),
      /** Public review page (Google, Trustpilot, Yelp…) offered after every survey answer alike. */
      review_url: z.string().url().optional(),
    })
    .prefault({}),
  sending: z
    .strictObject({
      window: z.strictObject({ start: timeOfDay, end: timeOfDay }).optional(),
      frequency_cap: z.strictObject({ max: z.number().int().min(1), per: duration }).optional(),
      max_lateness: duration.default(24 * 3_600_000),
      rate_limit: z.number().positive().default(50),
      leap_day: z.enum(['feb28', 'mar1']).default('feb28'),
      /** Customer-local days on which marketing mail waits for the next open day. */
      quiet_days: z.array(quietDay).default([]),
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
      /**
       * How often each worker records its health (relay, breaker, last tick) in the database for
       * the console's dashboard; a worker silent for three intervals shows as not heard from.
       */
      heartbeat: duration.default(15_000).refine((ms) => ms >= 1_000, 'use at least 1s'),
    })
    .prefault({}),
  database: z.strictObject({ url: z.string().min(1).default('sqlite:data/rapport.db') }).prefault({}),
  smtp: z
    .strictObject({
      url: z.string().min(1).default('file:data/outbox'),
      pool_size: z.number().int().min(1).max(50).default(5),
      /**
       * The longest one message may take with the relay (connecting, greeting, the whole
       * conversation); a send still going then is cut off and retried. Bounds worker.lease.
       */
      timeout: duration.default(60_000),
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
      /** A client must send the whole request head within this, or gets 408 and is disconnected. */
      header_timeout: duration.default(15_000),
      /** A client must send the whole request, body included, within this (at least header_timeout). */
      body_timeout: duration.default(30_000),
      /** Connections open at once; further ones are closed at once (slow clients cannot exhaust the server). */
      max_connections: z.number().int().min(1).max(100_000).default(1000),
    })
    .prefault({}),
  /** The staff console at /console/. */
  console: z
    .strictObject({
      /** A console session ends after this long without a request. */
      session_idle: duration.default(12 * 3_600_000),
      /** A console session ends this long after sign-in, however active. */
      session_max: duration.default(7 * 86_400_000),
      /**
       * The Upcoming page reads a stored forecast; the daemon rebuilds it this often (and at once
       * after an automation change, or when an editor asks). At least one minute.
       */
      upcoming_refresh: duration
        .default(10 * 60_000)
        .refine((ms) => ms >= 60_000, { message: 'must be at least 1m' }),
      /** The largest file the import page accepts, in bytes (50 MB). */
      import_max_bytes: z
        .number()
        .int()
        .min(1024)
        .default(50 * 1024 * 1024),
      /** Where the import page keeps uploads until they are imported (an hour at most); empty: the OS temp dir. */
      import_dir: z.string().default(''),
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
  /** Business occasions for `on: { holiday: KEY }`, by key; a key here replaces a built-in one. */
  occasions: z.record(occasionKey, occasion).default({}),
  surveys: z
    .strictObject({
      /** A customer is invited to a survey at most once per this period; later invitations are skipped. */
      throttle: duration.default(30 * 86_400_000),
      /** Survey links stop working this long after the message was sent. */
      expires: duration.default(30 * 86_400_000),
      /** An answer can be changed for this long after it was first given. */
      editable: duration.default(7 * 86_400_000),
      /** After a low score, hold marketing mail to that customer this long (0: do not hold). */
      hold_marketing: duration.default(0),
    })
    .prefault({}),
  automations: z.array(automation).default([]),
  bounces,
  import: z
    .strictObject({
      /** Words read as consent given (`yes`) or refused (`no`) besides the built-in ones. */
      consent: z
        .strictObject({
          yes: z.array(z.string().min(1)).default([]),
          no: z.array(z.string().min(1)).default([]),
        })
        .prefault({}),
      /**
       * Write a long customer import's batches (SQLite files) from a second thread while the next
       * rows are read, where the machine has a second core.
       */
      writer_thread: z.boolean().default(true),
    })
    .prefault({}),
  /** Signed webhooks from shops (orders → customers and purchases) and generic inbound hooks. */
  hooks: z
    .strictObject({
      shopify: z.strictObject({ secret: hookSecret }).optional(),
      woocommerce: z.strictObject({ secret: hookSecret }).optional(),
      square: z.strictObject({ signature_key: hookSecret, notification_url: z.string().url() }).optional(),
      stripe: z.strictObject({ secret: hookSecret, tolerance: duration.default(5 * 60_000) }).optional(),
      in: z
        .record(
          z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lower-case letters, digits, "-" and "_"'),
          inboundHook,
        )
        .default({}),
    })
    .prefault({}),
});

/** `automations:` alone, for definitions stored in the database or imported from a file. */
export const automationsSchema = z.strictObject({ automations: z.array(automation) });

export type RawConfig = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type Automation = Config['automations'][number];
export type Trigger = Automation['on'];
