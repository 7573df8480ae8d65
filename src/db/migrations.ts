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
 * Webhook deliveries already taken in, by platform and the platform's own delivery id: shops
 * redeliver on any doubt, and a redelivery must change nothing.
 */
const hooks: Migration = {
  name: '0005_hooks',
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

const MIGRATIONS: readonly Migration[] = [initial, zoneOrder, hooks];

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
  const [, pending] = (await knex.migrate.list(MIGRATION_CONFIG)) as [unknown, Array<{ name?: string; file?: string }>];
  return pending.map((m) => m.name ?? m.file ?? String(m));
}
