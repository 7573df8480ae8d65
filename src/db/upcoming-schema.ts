/**
 * The stored forecast the console's Upcoming page reads (see upcoming-lines.ts and
 * upcoming-state.ts): one generation of lines per build, counts per day and automation, and a
 * single state row saying which generation is current, who built it when, and who holds the
 * builder's lease.
 */
import type { Knex } from 'knex';

/** Lines of one day in page order: automation, then due time, then id (the keyset cursor). */
const UPCOMING_PAGE_INDEX = 'upcoming_lines_page_index';
const KEY_INDEX = 'upcoming_lines_key_index';

/**
 * Generations alternate between two tables of lines: a build empties the one the current
 * generation is not in, at once, instead of deleting millions of lines row by row.
 */
export const LINE_TABLES = [
  { table: 'upcoming_lines', pageIndex: UPCOMING_PAGE_INDEX, keyIndex: KEY_INDEX },
  {
    table: 'upcoming_lines_alt',
    pageIndex: 'upcoming_lines_alt_page_index',
    keyIndex: 'upcoming_lines_alt_key_index',
  },
] as const;

export type LineTable = (typeof LINE_TABLES)[number];

/** The table a generation's lines are in: odd generations in the first, even in the second. */
export function linesTableOf(generation: number): LineTable {
  return LINE_TABLES[generation % 2 === 1 ? 0 : 1];
}

/** The second table of lines (0017), emptying the first: its generations follow the new parity. */
export async function alternateLineTables(knex: Knex): Promise<void> {
  await createLines(knex, LINE_TABLES[1]);
  await knex('upcoming_lines').delete();
  await knex('upcoming_counts').delete();
  // A missing forecast is rebuilt at the next look (upcoming-refresher.ts).
  await knex('upcoming_state').update({ generation: null, computed_at: null });
}

export async function dropAlternateLines(knex: Knex): Promise<void> {
  await knex.schema.dropTable(LINE_TABLES[1].table);
  await knex('upcoming_counts').delete();
  await knex('upcoming_state').update({ generation: null, computed_at: null });
}

async function createLines(knex: Knex, names: LineTable): Promise<void> {
  await knex.schema.createTable(names.table, (t) => {
    t.increments('id').primary();
    t.integer('generation').notNullable();
    // YYYY-MM-DD in the business's time zone.
    t.string('day', 10).notNullable();
    t.string('automation_id', 200).notNullable();
    t.string('customer_id', 200).notNullable();
    t.string('email', 254).notNullable();
    t.string('occurrence', 200).notNullable();
    t.bigInteger('due_at').notNullable();
    // ISO 8601 with the customer's offset.
    t.string('local_time', 40).notNullable();
    t.string('outcome', 8).notNullable();
    t.string('reason', 100);
    t.string('skipped_by', 200);
    t.index(['generation', 'day', 'automation_id', 'due_at', 'id'], names.pageIndex);
    t.index(['generation', 'automation_id', 'customer_id', 'occurrence'], names.keyIndex);
  });
}

export async function createUpcomingTables(knex: Knex): Promise<void> {
  await createLines(knex, LINE_TABLES[0]);
  await knex.schema.createTable('upcoming_counts', (t) => {
    t.integer('generation').notNullable();
    t.string('day', 10).notNullable();
    t.string('automation_id', 200).notNullable();
    t.integer('sends').notNullable();
    t.integer('held').notNullable();
    t.primary(['generation', 'day', 'automation_id']);
  });
  await knex.schema.createTable('upcoming_state', (t) => {
    t.integer('id').primary();
    // The generation the page reads; null until a forecast was built.
    t.integer('generation');
    t.integer('last_generation').notNullable().defaultTo(0);
    t.bigInteger('computed_at');
    t.string('computed_by', 200);
    t.bigInteger('horizon_to');
    // The outreach revision the forecast was built with: a change of automations rebuilds it.
    t.integer('revision');
    t.integer('build_ms');
    t.bigInteger('requested_at');
    t.string('requested_by', 200);
    t.string('lease_owner', 200);
    t.bigInteger('lease_until');
  });
  await knex('upcoming_state').insert({ id: 1, last_generation: 0 });
}

export async function dropUpcomingTables(knex: Knex): Promise<void> {
  await knex.schema.dropTable('upcoming_state');
  await knex.schema.dropTable('upcoming_counts');
  await knex.schema.dropTable('upcoming_lines');
}
