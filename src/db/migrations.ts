/**
 * Schema migrations, kept in code (not files on disk) so the compiled daemon carries them
 * and the same list runs on SQLite and Postgres. Never edit a shipped migration: add one.
 * Times are BIGINT epoch milliseconds (UTC) on both databases.
 */
import type { Knex } from 'knex';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
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
 * whole zone again, so a Monday digest for 1M customers took hours (issue 7).
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

/**
 * The business's outreach lives in the database: templates (and layouts and partials) with
 * immutable versions per language, one published version per (template, locale), and a
 * revision counter that every worker polls to notice a change. Sent messages record what they
 * were rendered with, so "show me what this customer got" can be proved by a hash.
 */
const outreach: Migration = {
  name: '0004_outreach',
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

const MIGRATIONS: readonly Migration[] = [initial, zoneOrder, outreach];

class CodeMigrationSource implements Knex.MigrationSource<Migration> {
  async getMigrations(): Promise<Migration[]> {
    return [...MIGRATIONS];
  }
  getMigrationName(migration: Migration): string {
    return migration.name;
  }
  async getMigration(migration: Migration): Promise<Knex.Migration> {
    return { up: migration.up, down: migration.down };
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
      const [, applied] = (await knex.migrate.latest(MIGRATION_CONFIG)) as [number, string[]];
      return applied;
    } catch (error) {
      const locked = error instanceof Error && /lock/i.test(error.name + error.message);
      if (!locked || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 + Math.random() * 250));
    }
  }
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(knex: Knex): Promise<string[]> {
  const [, pending] = (await knex.migrate.list(MIGRATION_CONFIG)) as [
    unknown,
    Array<{ name?: string; file?: string }>,
  ];
  return pending.map((m) => m.name ?? m.file ?? String(m));
}
