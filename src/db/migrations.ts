/**
 * Schema migrations, kept in code (not files on disk) so the compiled daemon carries them
 * and the same list runs on SQLite and Postgres. Never edit a shipped migration: add one.
 * Times are BIGINT epoch milliseconds (UTC) on both databases.
 */
import type { Knex } from 'knex';
import { createAudienceTables, dropAudienceTables } from './audience-schema.js';
import { createDeliveryOutcomes, dropDeliveryOutcomes } from './delivery-outcomes.js';
import { dialectOf } from './dialect.js';
import { stringList } from './read.js';
import {
  alternateLineTables,
  createUpcomingTables,
  dropAlternateLines,
  dropUpcomingTables,
} from './upcoming-schema.js';
import { createWorkerStatus, dropWorkerStatus } from './worker-status.js';

interface Migration {
  name: string;
  up: (knex: Knex) => Promise<void>;
  down: (knex: Knex) => Promise<void>;
}

const initial: Migration = {
  name: '0001_initial',
  async up(knex) {
    await knex.schema.createTable('customers', (t) => {
      t.string('id', 200).primary();
      t.string('email', 254).notNullable().index();
      t.text('first_name');
      t.text('last_name');
      t.string('birthday', 10);
      // month * 100 + day, so "whose birthday is on these dates" is an index lookup.
      t.integer('birth_md');
      // Ticks select "whose local 09:00 is now" by zone and month-day.
      t.string('timezone', 64).index();
      t.string('locale', 35);
      t.string('customer_since', 10);
      t.integer('since_md');
      t.text('tags').notNullable().defaultTo('[]');
      t.boolean('subscribed').notNullable().defaultTo(true);
      t.text('attributes').notNullable().defaultTo('{}');
      // created_at: "inactive since they were added" for customers without events.
      t.bigInteger('created_at').notNullable().index();
      t.bigInteger('updated_at').notNullable().index();
      t.index(['birth_md', 'timezone']);
      t.index(['since_md', 'timezone']);
    });
    await knex.schema.createTable('events', (t) => {
      t.string('id', 200).primary();
      t.string('customer_id', 200).notNullable();
      t.string('type', 64).notNullable();
      t.bigInteger('occurred_at').notNullable();
      t.text('data').notNullable().defaultTo('{}');
      t.bigInteger('ingested_at').notNullable().index();
      t.index(['type', 'occurred_at']);
      t.index(['customer_id', 'type', 'occurred_at']);
    });
    await knex.schema.createTable('content', (t) => {
      // The guid is often the item's URL: as long as a URL may be.
      t.string('id', 2000).primary();
      t.text('title').notNullable();
      t.text('url').notNullable();
      t.text('summary');
      t.text('tags').notNullable().defaultTo('[]');
      t.bigInteger('published_at').notNullable().index();
      t.bigInteger('updated_at').notNullable();
    });
    await knex.schema.createTable('deliveries', (t) => {
      t.increments('id').primary();
      t.string('automation_id', 64).notNullable();
      t.string('customer_id', 200).notNullable().index();
      t.string('occurrence', 200).notNullable();
      t.string('event_id', 200);
      t.boolean('transactional').notNullable().defaultTo(false);
      t.string('status', 16).notNullable();
      t.text('reason');
      t.bigInteger('trigger_at').notNullable();
      t.bigInteger('due_at').notNullable();
      // When the row may next be claimed: due_at at first, later the retry time.
      t.bigInteger('available_at').notNullable();
      t.integer('attempts').notNullable().defaultTo(0);
      t.string('locked_by', 100);
      t.bigInteger('locked_until');
      t.bigInteger('sent_at');
      t.string('message_id', 300);
      t.text('error');
      t.bigInteger('created_at').notNullable();
      t.bigInteger('updated_at').notNullable();
      // The occurrence key: nothing is ever planned twice.
      t.unique(['automation_id', 'customer_id', 'occurrence']);
      t.index(['status', 'available_at']);
      t.index(['status', 'locked_until']);
    });
    await knex.schema.createTable('suppressions', (t) => {
      t.string('email', 254).primary();
      t.text('reason').notNullable();
      t.string('source', 32).notNullable();
      t.bigInteger('created_at').notNullable();
    });
    // Current opt-outs: scope '*' stops all marketing mail, an automation id stops that one.
    await knex.schema.createTable('opt_outs', (t) => {
      t.string('customer_id', 200).notNullable();
      t.string('scope', 64).notNullable();
      t.string('source', 32).notNullable();
      t.bigInteger('created_at').notNullable();
      t.primary(['customer_id', 'scope']);
    });
    // Append-only consent log: every opt-out and opt-in, with when and how.
    await knex.schema.createTable('consent_log', (t) => {
      t.increments('id').primary();
      t.string('customer_id', 200).notNullable().index();
      t.string('email', 254).notNullable();
      t.string('action', 16).notNullable();
      t.string('scope', 64).notNullable();
      t.string('source', 32).notNullable();
      t.bigInteger('created_at').notNullable();
    });
    await knex.schema.createTable('worker_state', (t) => {
      t.string('key', 100).primary();
      t.text('value').notNullable();
      t.bigInteger('updated_at').notNullable();
    });
  },
  async down(knex) {
    for (const table of [
      'worker_state',
      'consent_log',
      'opt_outs',
      'suppressions',
      'deliveries',
      'content',
      'events',
      'customers',
    ]) {
      await knex.schema.dropTableIfExists(table);
    }
  },
};

/** Index names the queries name explicitly (SQLite plans without statistics; see customers.ts). */
export const ZONE_ORDER_INDEX = 'customers_timezone_id_index';

/**
 * Everyone in a zone, in id order: a schedule or date rule fires for whole zones, and paging
 * those customers by keyset needs (timezone, id) — with (timezone) alone every page sorted the
 * whole zone again, so a Monday digest for 1M customers took hours.
 */
const zoneOrder: Migration = {
  name: '0002_customers_timezone_id',
  async up(knex) {
    await knex.schema.alterTable('customers', (t) => {
      t.index(['timezone', 'id'], ZONE_ORDER_INDEX);
    });
  },
  async down(knex) {
    await knex.schema.alterTable('customers', (t) => {
      t.dropIndex(['timezone', 'id'], ZONE_ORDER_INDEX);
    });
  },
};

/** The index on customers' address key, in id order (records sharing an address, lowest id first). */
export const ADDRESS_INDEX = 'customers_email_key_id_index';

/**
 * Consent belongs to the address, whatever its letter case: customers and opt-outs carry the
 * address's normalised key (lower case; addresses are ASCII), indexed, so an opt-out also stops
 * a record created later in another case, and records sharing an inbox are found cheaply.
 * The consent log gains the reason an operator gave. `address_claims` holds, per occurrence of a
 * one-per-inbox rule (schedule, date), the one delivery that may mail that address.
 */
const consentAddress: Migration = {
  name: '0003_consent_address',
  async up(knex) {
    await knex.schema.alterTable('customers', (t) => {
      t.string('email_key', 254).notNullable().defaultTo('');
    });
    await knex('customers').update({ email_key: knex.raw('lower(trim(email))') });
    await knex.schema.alterTable('customers', (t) => {
      t.index(['email_key', 'id'], ADDRESS_INDEX);
    });
    await knex.schema.alterTable('opt_outs', (t) => {
      t.string('email_key', 254);
    });
    await knex('opt_outs').update({
      email_key: knex('customers')
        .select(knex.raw('lower(trim(email))'))
        .where('customers.id', knex.ref('opt_outs.customer_id')),
    });
    await knex.schema.alterTable('opt_outs', (t) => {
      t.index(['email_key', 'scope'], 'opt_outs_email_key_scope_index');
    });
    await knex.schema.alterTable('consent_log', (t) => {
      t.text('reason');
    });
    await knex.schema.createTable('address_claims', (t) => {
      t.string('automation_id', 64).notNullable();
      t.string('occurrence', 200).notNullable();
      t.string('email_key', 254).notNullable();
      t.integer('delivery_id').notNullable();
      t.bigInteger('created_at').notNullable();
      t.primary(['automation_id', 'occurrence', 'email_key']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('address_claims');
    await knex.schema.alterTable('consent_log', (t) => t.dropColumn('reason'));
    await knex.schema.alterTable('opt_outs', (t) => {
      t.dropIndex(['email_key', 'scope'], 'opt_outs_email_key_scope_index');
      t.dropColumn('email_key');
    });
    await knex.schema.alterTable('customers', (t) => {
      t.dropIndex(['email_key', 'id'], ADDRESS_INDEX);
      t.dropColumn('email_key');
    });
  },
};

/**
 * Where a customer lives, for the public holidays of their country and province: ISO 3166-1
 * alpha-2 and the ISO 3166-2 subdivision without its country prefix. Null means the business's.
 */
const occasions: Migration = {
  name: '0004_occasions',
  async up(knex) {
    await knex.schema.alterTable('customers', (t) => {
      t.string('country', 2).nullable();
      t.string('region', 8).nullable();
      // Holiday rules ask each tick which places customers are in, as zones are asked.
      t.index(['country', 'region'], 'customers_country_region_index');
    });
  },
  async down(knex) {
    await knex.schema.alterTable('customers', (t) => {
      t.dropIndex(['country', 'region'], 'customers_country_region_index');
      t.dropColumn('region');
      t.dropColumn('country');
    });
  },
};

/**
 * Survey answers: one current answer per message (the delivery that carried the links) and the
 * history of every answer given, so an edited answer keeps what it replaced.
 */
const surveys: Migration = {
  name: '0005_surveys',
  async up(knex) {
    await knex.schema.createTable('survey_responses', (t) => {
      t.integer('delivery_id').primary();
      t.string('customer_id', 200).notNullable().index();
      t.string('automation_id', 64).notNullable();
      t.string('kind', 8).notNullable();
      t.integer('score').notNullable();
      t.text('comment');
      // Different scores right after delivery: a link scanner, not a person; not counted.
      t.boolean('flagged').notNullable().defaultTo(false);
      // When the invitation was sent: results are counted by the invitation's time.
      t.bigInteger('sent_at').notNullable();
      t.bigInteger('first_answered_at').notNullable();
      t.bigInteger('answered_at').notNullable();
      t.index(['automation_id', 'sent_at']);
      t.index(['sent_at']);
    });
    await knex.schema.createTable('survey_answers', (t) => {
      t.increments('id').primary();
      t.integer('delivery_id').notNullable().index();
      t.integer('score').notNullable();
      t.text('comment');
      // 'form' (the Submit button) or 'auto' (the page's script, after it was seen).
      t.string('source', 16).notNullable();
      t.bigInteger('created_at').notNullable();
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('survey_answers');
    await knex.schema.dropTableIfExists('survey_responses');
  },
};

/**
 * After the relay's 250: what came back (bounces, complaints, delays) and why an address is
 * suppressed. Suppressions gain the delivery that caused them; a log keeps every suppression and
 * every lift, so one lifted by mistake can be traced. Message-ID is indexed: returned mail that
 * carries only the original Message-ID is matched by it.
 */
const bounces: Migration = {
  name: '0006_bounces',
  async up(knex) {
    await knex.schema.alterTable('suppressions', (t) => {
      t.integer('delivery_id');
    });
    await knex.schema.createTable('suppression_log', (t) => {
      t.increments('id').primary();
      t.string('email', 254).notNullable().index();
      // 'suppress' or 'lift'
      t.string('action', 16).notNullable();
      t.text('reason').notNullable();
      t.string('source', 32).notNullable();
      t.integer('delivery_id');
      t.bigInteger('created_at').notNullable();
    });
    await knex.schema.createTable('bounce_events', (t) => {
      t.increments('id').primary();
      // What makes a report the same report when it is read twice (a hash of the mail, a webhook's id).
      t.string('fingerprint', 200).notNullable().unique();
      t.integer('delivery_id').index();
      t.string('email', 254);
      // hard | soft | delayed | complaint | auto-reply
      t.string('kind', 16).notNullable();
      t.string('status', 16);
      t.text('diagnostic');
      // mail | ses | postmark | mailgun
      t.string('source', 16).notNullable();
      // verp | header | message-id | recipient
      t.string('matched_by', 16);
      t.bigInteger('created_at').notNullable();
      t.index(['email', 'kind', 'created_at']);
    });
    await knex.schema.alterTable('deliveries', (t) => {
      t.index(['message_id'], 'deliveries_message_id_index');
    });
  },
  async down(knex) {
    await knex.schema.alterTable('deliveries', (t) => {
      t.dropIndex(['message_id'], 'deliveries_message_id_index');
    });
    await knex.schema.dropTableIfExists('bounce_events');
    await knex.schema.dropTableIfExists('suppression_log');
    await knex.schema.alterTable('suppressions', (t) => {
      t.dropColumn('delivery_id');
    });
  },
};

/**
 * Webhook deliveries already taken in, by platform and the platform's own delivery id: shops
 * redeliver on any doubt, and a redelivery must change nothing.
 */
const hooks: Migration = {
  name: '0007_hooks',
  async up(knex) {
    await knex.schema.createTable('webhook_deliveries', (t) => {
      t.string('source', 80).notNullable();
      t.string('delivery_id', 200).notNullable();
      t.bigInteger('received_at').notNullable().index();
      t.primary(['source', 'delivery_id']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('webhook_deliveries');
  },
};

/**
 * The business's outreach lives in the database: templates (and layouts and partials) with
 * immutable versions per language, one published version per (template, locale), and a
 * revision counter that every worker polls to notice a change. Sent messages record what they
 * were rendered with, so "show me what this customer got" can be proved by a hash.
 */
const outreach: Migration = {
  name: '0008_outreach',
  async up(knex) {
    await knex.schema.createTable('templates', (t) => {
      t.increments('id').primary();
      t.string('kind', 16).notNullable();
      t.string('name', 64).notNullable();
      t.bigInteger('created_at').notNullable();
      t.unique(['kind', 'name']);
    });
    // Rows are never updated: a change is a new version. locale '' is the default variant.
    await knex.schema.createTable('template_versions', (t) => {
      t.increments('id').primary();
      t.integer('template_id').notNullable().references('id').inTable('templates');
      t.string('locale', 35).notNullable();
      t.integer('version').notNullable();
      t.text('subject');
      t.text('html').notNullable();
      t.text('text');
      t.string('sha256', 64).notNullable();
      t.string('author', 200).notNullable();
      // Where it came from: seed, sync (the templates folder), import, restore, edit.
      t.string('origin', 16).notNullable();
      t.bigInteger('created_at').notNullable();
      t.unique(['template_id', 'locale', 'version']);
    });
    await knex.schema.createTable('template_published', (t) => {
      t.integer('template_id').notNullable().references('id').inTable('templates');
      t.string('locale', 35).notNullable();
      t.integer('version_id').notNullable().references('id').inTable('template_versions');
      t.string('published_by', 200).notNullable();
      t.bigInteger('published_at').notNullable();
      t.primary(['template_id', 'locale']);
    });
    // Append-only: who published which version when (history shows it beside the versions).
    await knex.schema.createTable('template_publications', (t) => {
      t.increments('id').primary();
      t.integer('template_id').notNullable();
      t.string('locale', 35).notNullable();
      t.integer('version_id').notNullable();
      t.string('author', 200).notNullable();
      t.bigInteger('created_at').notNullable();
      t.index(['template_id', 'locale']);
    });
    // One row; bumped in the same transaction as every publish, so workers poll one number.
    await knex.schema.createTable('outreach_revision', (t) => {
      t.integer('id').primary();
      t.bigInteger('n').notNullable();
      t.bigInteger('updated_at').notNullable();
    });
    await knex('outreach_revision').insert({ id: 1, n: 0, updated_at: 0 });
    // What each sent message was rendered with, and the exact MIME handed to the relay (gzip):
    // "show me what this customer got" is a read, and its SHA-256 proves it.
    await knex.schema.createTable('delivery_messages', (t) => {
      t.integer('delivery_id').primary();
      t.string('template', 64).notNullable();
      t.integer('template_version_id');
      t.integer('template_version');
      t.string('requested_locale', 64);
      t.string('resolved_locale', 35).notNullable();
      t.text('subject').notNullable();
      t.string('mime_sha256', 64).notNullable();
      t.binary('mime_gzip').notNullable();
      t.bigInteger('created_at').notNullable();
    });
  },
  async down(knex) {
    for (const table of [
      'delivery_messages',
      'outreach_revision',
      'template_publications',
      'template_published',
      'template_versions',
      'templates',
    ]) {
      await knex.schema.dropTableIfExists(table);
    }
  },
};

/**
 * Staff who sign in to the console: users with a role, sessions stored by the SHA-256 of their
 * cookie token (any worker serves them; a stolen database holds no usable token), an audit log
 * of every change staff make, failed sign-ins (so every worker enforces one rate limit) and the
 * one-time link that creates the first owner.
 */
const consoleUsers: Migration = {
  name: '0010_console_users',
  async up(knex) {
    await knex.schema.createTable('staff_users', (t) => {
      t.increments('id').primary();
      // Stored in lower case, so the unique index is case-insensitive on both databases.
      t.string('email', 254).notNullable().unique();
      t.string('role', 16).notNullable();
      t.string('password_hash', 300).notNullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('updated_at').notNullable();
    });
    // A removed user's row is deleted with its sessions; the audit log keeps the address.
    await knex.schema.createTable('staff_sessions', (t) => {
      t.string('id', 64).primary();
      t.integer('user_id').notNullable().references('id').inTable('staff_users').onDelete('CASCADE');
      t.string('csrf_secret', 64).notNullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('last_seen_at').notNullable();
      t.bigInteger('expires_at').notNullable().index();
      t.string('ip', 64);
      t.string('user_agent', 300);
      t.index(['user_id']);
    });
    await knex.schema.createTable('staff_audit', (t) => {
      t.increments('id').primary();
      t.bigInteger('at').notNullable().index();
      t.string('actor', 300).notNullable();
      t.string('action', 64).notNullable();
      t.text('target');
      t.text('detail').notNullable().defaultTo('{}');
    });
    // kind: 'account' (key = lower-case email) or 'address' (key = client IP).
    await knex.schema.createTable('staff_login_attempts', (t) => {
      t.increments('id').primary();
      t.string('kind', 16).notNullable();
      t.string('key', 300).notNullable();
      t.bigInteger('at').notNullable();
      t.index(['kind', 'key', 'at']);
    });
    await knex.schema.createTable('staff_setup', (t) => {
      t.string('token_hash', 64).primary();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('expires_at').notNullable();
    });
  },
  async down(knex) {
    for (const table of [
      'staff_setup',
      'staff_login_attempts',
      'staff_audit',
      'staff_sessions',
      'staff_users',
    ]) {
      await knex.schema.dropTableIfExists(table);
    }
  },
};

const automations: Migration = {
  name: '0009_automations',
  async up(knex) {
    // The current definition of each automation, in the config file's format (durations as
    // written), so it is validated by the same schema whenever it is read.
    await knex.schema.createTable('automations', (t) => {
      t.string('id', 63).primary();
      t.text('definition').notNullable();
      t.boolean('enabled').notNullable();
      // Position in listings and planning order (the file's order when seeded).
      t.integer('position').notNullable();
      t.string('updated_by', 200).notNullable();
      t.bigInteger('updated_at').notNullable();
    });
    // Append-only: every change with the definition before and after it.
    await knex.schema.createTable('automation_history', (t) => {
      t.increments('id').primary();
      t.string('automation_id', 63).notNullable();
      t.string('action', 16).notNullable();
      t.text('before');
      t.text('after');
      t.string('author', 200).notNullable();
      t.bigInteger('created_at').notNullable();
      t.index(['automation_id']);
    });
  },
  async down(knex) {
    await knex.schema.dropTable('automation_history');
    await knex.schema.dropTable('automations');
  },
};

/**
 * One-off broadcasts. A broadcast's deliveries are ordinary rows of `deliveries` with automation
 * id `broadcast:<id>`; `planned_through` is the last customer id planned, so planning a large
 * audience page by page resumes where it stopped after a restart.
 */
const broadcasts: Migration = {
  name: '0011_broadcasts',
  async up(knex) {
    await knex.schema.createTable('broadcasts', (t) => {
      t.increments('id').primary();
      t.string('name', 200).notNullable();
      t.string('template', 64).notNullable();
      // {"tags": [...], "attributes": {...}}: any of the tags, every attribute; {} is everyone subscribed.
      t.text('audience').notNullable();
      // 'now', or 'at' with a local time HH:MM and an optional date YYYY-MM-DD.
      t.string('send_kind', 8).notNullable();
      t.string('send_time', 5);
      t.string('send_date', 10);
      t.boolean('transactional').notNullable().defaultTo(false);
      t.string('status', 16).notNullable().index();
      t.integer('audience_count').notNullable();
      t.string('planned_through', 200);
      t.string('created_by', 200).notNullable();
      t.bigInteger('created_at').notNullable();
      t.string('cancelled_by', 200);
      t.bigInteger('cancelled_at');
      t.bigInteger('updated_at').notNullable();
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('broadcasts');
  },
};

/** Index names the console's reads name on SQLite (it plans without statistics). */
export const NAME_KEY_INDEX = 'customers_name_key_id_index';
export const SURNAME_KEY_INDEX = 'customers_surname_key_id_index';
/** Read by the dashboard until 0013 (it reads delivery_outcomes since). */
const UPDATED_INDEX = 'deliveries_updated_status_index';
export const AUTOMATION_DUE_INDEX = 'deliveries_automation_due_at_index';

/**
 * Prefix search indexes, (key, id). Postgres compares text by its locale, where a prefix is not
 * a range of the index; in the "C" collation it is (bytes in order), so there the keys are
 * indexed, and searched, COLLATE "C". SQLite compares bytes already.
 */
const PREFIX_INDEXES = [
  { name: NAME_KEY_INDEX, column: 'name_key' },
  { name: SURNAME_KEY_INDEX, column: 'surname_key' },
  { name: 'customers_email_key_prefix_index', column: 'email_key' },
  { name: 'customers_id_prefix_index', column: 'id' },
] as const;

/**
 * Postgres with the pg_trgm extension available (it ships with the server's contrib package and
 * a database owner may create it): trigram indexes let "part of an address" and tag searches
 * use an index instead of reading every customer. Without it nothing changes but speed.
 */
async function trigramIndexes(knex: Knex): Promise<void> {
  const available: unknown = await knex.raw("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'");
  if (dialectOf(knex).rawRows(available).length === 0) return;
  try {
    // A savepoint: a refusal (no privilege) must not abort the migration's transaction.
    await knex.transaction(async (trx) => {
      await trx.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      await trx.raw(
        'CREATE INDEX customers_email_key_trgm_index ON customers USING gin (email_key gin_trgm_ops)',
      );
      await trx.raw('CREATE INDEX customers_tags_trgm_index ON customers USING gin (tags gin_trgm_ops)');
    });
  } catch {
    // Not allowed here: searches read the (email_key, id) index instead.
  }
}

async function prefixIndexes(knex: Knex): Promise<void> {
  const postgres = dialectOf(knex).name === 'postgres';
  for (const { name, column } of PREFIX_INDEXES) {
    // SQLite already has (email_key, id) and the id key; Postgres needs them in "C" order.
    if (!postgres && (column === 'email_key' || column === 'id')) continue;
    const key = postgres ? '(?? COLLATE "C")' : '??';
    await knex.raw(`CREATE INDEX ?? ON customers (${key}, id)`, [name, column]);
  }
  if (postgres) await trigramIndexes(knex);
}

/**
 * What the staff console reads at a million customers and ten million deliveries, by index:
 * names searched by prefix in lower case (name_key "first last", surname_key "last"), deliveries
 * paged newest first by status, automation or time, a dashboard counting recent outcomes from
 * an index alone, and who skipped a planned send.
 */
const consoleData: Migration = {
  name: '0012_console_data',
  async up(knex) {
    await knex.schema.alterTable('customers', (t) => {
      t.string('name_key', 400);
      t.string('surname_key', 200);
      // Who last changed the record by hand (a console user); an import's change clears it.
      t.string('updated_by', 200);
    });
    await knex('customers').update({
      name_key: knex.raw(
        "nullif(lower(trim(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))), '')",
      ),
      surname_key: knex.raw("nullif(lower(trim(coalesce(last_name, ''))), '')"),
    });
    await prefixIndexes(knex);
    await knex.schema.alterTable('deliveries', (t) => {
      t.string('skipped_by', 200);
      t.index(['status', 'id'], 'deliveries_status_id_index');
      t.index(['automation_id', 'id'], 'deliveries_automation_id_id_index');
      t.index(['due_at', 'id'], 'deliveries_due_at_id_index');
      t.index(['customer_id', 'id'], 'deliveries_customer_id_id_index');
      // Counted by the dashboard without reading a row: outcomes by when they last changed.
      t.index(['updated_at', 'status', 'automation_id'], UPDATED_INDEX);
    });
    await knex.schema.alterTable('events', (t) => {
      t.index(['customer_id', 'occurred_at'], 'events_customer_id_occurred_at_index');
    });
    await knex.schema.alterTable('consent_log', (t) => {
      t.string('author', 200);
      t.index(['created_at'], 'consent_log_created_at_index');
    });
    await knex.schema.alterTable('suppression_log', (t) => {
      t.string('author', 200);
    });
  },
  async down(knex) {
    await knex.schema.alterTable('suppression_log', (t) => t.dropColumn('author'));
    await knex.schema.alterTable('consent_log', (t) => {
      t.dropIndex(['created_at'], 'consent_log_created_at_index');
      t.dropColumn('author');
    });
    await knex.schema.alterTable('events', (t) => {
      t.dropIndex(['customer_id', 'occurred_at'], 'events_customer_id_occurred_at_index');
    });
    await knex.schema.alterTable('deliveries', (t) => {
      t.dropIndex(['updated_at', 'status', 'automation_id'], UPDATED_INDEX);
      t.dropIndex(['customer_id', 'id'], 'deliveries_customer_id_id_index');
      t.dropIndex(['due_at', 'id'], 'deliveries_due_at_id_index');
      t.dropIndex(['automation_id', 'id'], 'deliveries_automation_id_id_index');
      t.dropIndex(['status', 'id'], 'deliveries_status_id_index');
      t.dropColumn('skipped_by');
    });
    for (const index of PREFIX_INDEXES) await knex.raw('DROP INDEX IF EXISTS ??', [index.name]);
    for (const index of ['customers_email_key_trgm_index', 'customers_tags_trgm_index'])
      await knex.raw('DROP INDEX IF EXISTS ??', [index]);
    await knex.schema.alterTable('customers', (t) => {
      t.dropColumn('updated_by');
      t.dropColumn('surname_key');
      t.dropColumn('name_key');
    });
  },
};

/**
 * The dashboard's outcome counts kept per day, automation and status as deliveries change (see
 * delivery-outcomes.ts), and one automation's deliveries in a time range read from an index
 * that holds both (the (automation_id, id) index walks every row of the automation).
 */
const consoleRollup: Migration = {
  name: '0013_console_rollup',
  async up(knex) {
    await knex.schema.alterTable('deliveries', (t) => {
      t.index(['automation_id', 'due_at', 'id'], AUTOMATION_DUE_INDEX);
    });
    await createDeliveryOutcomes(knex);
    // Nothing reads it any more, and every send paid for it.
    await knex.schema.alterTable('deliveries', (t) => {
      t.dropIndex(['updated_at', 'status', 'automation_id'], UPDATED_INDEX);
    });
  },
  async down(knex) {
    await knex.schema.alterTable('deliveries', (t) => {
      t.index(['updated_at', 'status', 'automation_id'], UPDATED_INDEX);
    });
    await dropDeliveryOutcomes(knex);
    await knex.schema.alterTable('deliveries', (t) => {
      t.dropIndex(['automation_id', 'due_at', 'id'], AUTOMATION_DUE_INDEX);
    });
  },
};

/** The console's stored forecast of the next days (upcoming-schema.ts). */
const upcoming: Migration = {
  name: '0014_upcoming',
  up: createUpcomingTables,
  down: dropUpcomingTables,
};

/** Each worker's health (heartbeat, relay, circuit breaker), so any console shows every worker. */
const workerStatus: Migration = {
  name: '0015_worker_status',
  up: createWorkerStatus,
  down: dropWorkerStatus,
};

/**
 * The console at a million customers: each automation's pending rows counted from an index
 * (automation, status) alone (counting them by status fetched every pending row of the table to
 * read its automation: seconds per automation with a million pending rows), and a second table
 * of forecast lines, so a build empties a whole table instead of deleting millions of lines.
 */
const consoleScale: Migration = {
  name: '0017_console_scale',
  async up(knex) {
    await knex.schema.alterTable('deliveries', (t) => {
      t.index(['automation_id', 'status'], AUTOMATION_STATUS_INDEX);
    });
    await alternateLineTables(knex);
  },
  async down(knex) {
    await dropAlternateLines(knex);
    await knex.schema.alterTable('deliveries', (t) => {
      t.dropIndex(['automation_id', 'status'], AUTOMATION_STATUS_INDEX);
    });
  },
};
const AUTOMATION_STATUS_INDEX = 'deliveries_automation_status_index';

/**
 * A broadcast's audience counted at a million customers: how many are subscribed and each
 * subscribed customer's tags, kept by triggers (audience-schema.ts).
 */
const audience: Migration = {
  name: '0018_audience',
  up: createAudienceTables,
  down: dropAudienceTables,
};

/** One status's deliveries in a due_at range, for the console's list (deliveries-console.ts). */
export const STATUS_DUE_INDEX = 'deliveries_status_due_at_index';

/**
 * The console at full size on Postgres as on SQLite: a delivery list filtered by status and a
 * range of due dates reads that range from a (status, due_at, id) index instead of walking the
 * (status, id) index newest first over every row after the range.
 *
 * And no parallel workers for reads of deliveries on Postgres. Its planner takes status and
 * time as independent: pending rows are mostly planned ahead, yet of "pending and due by now"
 * (the dashboard's backlog) it expects a share of all pending rows, hundreds of thousands at
 * ten million deliveries, finds none or a few, and starts two workers to help: 120 ms instead of
 * 0.5 ms for that count on a busy two-core machine. The console's reads of the table are index
 * ranges sized by a page, which one process serves best.
 */
const consolePostgres: Migration = {
  name: '0019_console_postgres',
  async up(knex) {
    await knex.schema.alterTable('deliveries', (t) => {
      t.index(['status', 'due_at', 'id'], STATUS_DUE_INDEX);
    });
    if (dialectOf(knex).name === 'postgres')
      await knex.raw('ALTER TABLE deliveries SET (parallel_workers = 0)');
  },
  async down(knex) {
    if (dialectOf(knex).name === 'postgres')
      await knex.raw('ALTER TABLE deliveries RESET (parallel_workers)');
    await knex.schema.alterTable('deliveries', (t) => {
      t.dropIndex(['status', 'due_at', 'id'], STATUS_DUE_INDEX);
    });
  },
};

/**
 * Two customer indexes that every imported, added or changed customer paid for and that no query
 * reads: (email), as addresses are looked up by their key (email_key) and the one lookup by the
 * address as written compares lower(email), which an index on the column does not serve; and
 * (timezone), the first column of (timezone, id), which serves every query it did (the zones
 * customers are in, a zone's customers in id order).
 */
const importIndexes: Migration = {
  name: '0021_import',
  async up(knex) {
    await knex.schema.alterTable('customers', (t) => {
      t.dropIndex(['email'], 'customers_email_index');
      t.dropIndex(['timezone'], 'customers_timezone_index');
    });
  },
  async down(knex) {
    await knex.schema.alterTable('customers', (t) => {
      t.index(['email'], 'customers_email_index');
      t.index(['timezone'], 'customers_timezone_index');
    });
  },
};

/**
 * Where a long import records the customer indexes it set aside until it ends (name and the
 * statement that makes it), so that one killed meanwhile leaves them to be built again
 * (set-aside-indexes.ts). Only SQLite sets indexes aside; the table is made on both.
 */
const setAside: Migration = {
  name: '0022_set_aside_indexes',
  async up(knex) {
    await knex.schema.createTable('set_aside_indexes', (t) => {
      t.string('name', 200).primary();
      t.text('sql').notNullable();
      t.bigInteger('set_at').notNullable();
    });
  },
  async down(knex) {
    await knex.schema.dropTable('set_aside_indexes');
  },
};

const MIGRATIONS: readonly Migration[] = [
  initial,
  zoneOrder,
  consentAddress,
  occasions,
  surveys,
  bounces,
  hooks,
  outreach,
  automations,
  consoleUsers,
  broadcasts,
  consoleData,
  consoleRollup,
  upcoming,
  workerStatus,
  consoleScale,
  audience,
  consolePostgres,
  importIndexes,
  setAside,
];

class CodeMigrationSource implements Knex.MigrationSource<Migration> {
  getMigrations(): Promise<Migration[]> {
    return Promise.resolve([...MIGRATIONS]);
  }
  getMigrationName(migration: Migration): string {
    return migration.name;
  }
  getMigration(migration: Migration): Promise<Knex.Migration> {
    return Promise.resolve({ up: migration.up, down: migration.down });
  }
}

const MIGRATION_CONFIG: Knex.MigratorConfig = {
  migrationSource: new CodeMigrationSource(),
  tableName: 'rapport_migrations',
};

/**
 * Applies pending migrations; returns the names applied. Safe to run from several workers at
 * once: knex holds a lock row while migrating, and a worker that finds it taken waits and
 * tries again (then finds nothing left to apply).
 */
export async function migrate(knex: Knex, attempts = 60): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      // knex answers [batch number, names applied].
      const result: unknown = await knex.migrate.latest(MIGRATION_CONFIG);
      return Array.isArray(result) ? stringList(result[1]) : [];
    } catch (error) {
      const locked = error instanceof Error && /lock/i.test(error.name + error.message);
      if (!locked || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 + Math.random() * 250));
    }
  }
}

/** True when no migration has ever been applied: a database Rapport has not set up yet. */
export async function isEmptySchema(knex: Knex): Promise<boolean> {
  const table = MIGRATION_CONFIG.tableName as string;
  if (!(await knex.schema.hasTable(table))) return true;
  const row = await knex(table).count({ n: '*' }).first();
  return Number(row?.n ?? 0) === 0;
}

/**
 * Names of migrations not yet applied, read without writing: knex's own listing creates its
 * bookkeeping tables, and a read-only command must leave the database as it found it.
 */
export async function pendingMigrations(knex: Knex): Promise<string[]> {
  const table = MIGRATION_CONFIG.tableName as string;
  const applied = new Set<string>();
  if (await knex.schema.hasTable(table)) {
    const rows: Array<{ name: string }> = await knex(table).select('name');
    for (const row of rows) applied.add(row.name);
  }
  return MIGRATIONS.map((m) => m.name).filter((name) => !applied.has(name));
}
