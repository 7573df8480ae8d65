/**
 * What a broadcast's audience is counted from at a million customers, kept by database
 * triggers on `customers`:
 *
 * subscribed_counts (SQLite only): how many customers are subscribed, in shard 0. Postgres counts
 * the subscribed itself (in parallel, tens of milliseconds at 300k customers): a counter row kept
 * by a row trigger is updated once per customer, and within one transaction each update walks
 * the versions the earlier ones left (quadratic for a statement of many rows); a statement
 * trigger with transition tables was as slow when measured.
 *
 * audience_tags: each subscribed customer's tags, lower-cased as the database lowers them, one
 * row per (tag, customer). A broadcast's tag audience counts and pages from this table's key
 * instead of reading every customer's JSON tag list. It is kept by database triggers on
 * `customers`, in the transaction of the write itself, like delivery_outcomes: every writer
 * (imports, the API, shop webhooks, consent changes, the console, erasure, any later one)
 * keeps it exact without knowing about it, and a rolled-back write takes its rows with it.
 *
 * A row holds what `lower(value)` gives for each element of the record's `tags` (SQLite folds
 * A-Z only, Postgres every letter), exactly what the audience compared before the table existed.
 * Unsubscribed customers have no rows: no audience holds them.
 */
import type { Knex } from 'knex';
import { dialectOf } from './dialect.js';

export const AUDIENCE_TAGS = 'audience_tags';
export const SUBSCRIBED_COUNTS = 'subscribed_counts';

/** Adds `delta` (SQL) to the count in `shard` (SQL). */
const bump = (delta: string, shard: string) =>
  `INSERT INTO ${SUBSCRIBED_COUNTS} (shard, n) VALUES (${shard}, ${delta}) ` +
  `ON CONFLICT (shard) DO UPDATE SET n = ${SUBSCRIBED_COUNTS}.n + excluded.n`;

/** SQLite counts what `subscribed = 1` selects, so a value other than 0 and 1 is not counted. */
const SQLITE_COUNT_TRIGGERS = [
  `CREATE TABLE ${SUBSCRIBED_COUNTS} (shard INTEGER PRIMARY KEY, n BIGINT NOT NULL)`,
  `CREATE TRIGGER subscribed_counts_insert AFTER INSERT ON customers WHEN NEW.subscribed = 1
   BEGIN ${bump('1', '0')}; END`,
  `CREATE TRIGGER subscribed_counts_update AFTER UPDATE OF subscribed ON customers
   WHEN (OLD.subscribed = 1) <> (NEW.subscribed = 1)
   BEGIN ${bump('(NEW.subscribed = 1) - (OLD.subscribed = 1)', '0')}; END`,
  `CREATE TRIGGER subscribed_counts_delete AFTER DELETE ON customers WHEN OLD.subscribed = 1
   BEGIN ${bump('-1', '0')}; END`,
];

/** A list not valid as JSON holds no tag (the write that stored it is not refused). */
const sqliteTags = (row: 'OLD' | 'NEW') =>
  `json_each(CASE WHEN json_valid(${row}.tags) THEN ${row}.tags ELSE '[]' END) AS t`;

const SQLITE_ADD = `INSERT OR IGNORE INTO ${AUDIENCE_TAGS} (tag, customer_id)
  SELECT lower(t.value), NEW.id FROM ${sqliteTags('NEW')} WHERE NEW.subscribed AND t.value IS NOT NULL`;
const SQLITE_REMOVE = `DELETE FROM ${AUDIENCE_TAGS} WHERE OLD.subscribed AND customer_id = OLD.id
  AND tag IN (SELECT lower(t.value) FROM ${sqliteTags('OLD')})`;

const SQLITE_SCHEMA = [
  `CREATE TABLE ${AUDIENCE_TAGS} (tag TEXT NOT NULL, customer_id VARCHAR(200) NOT NULL,
   PRIMARY KEY (tag, customer_id)) WITHOUT ROWID`,
  // Most customers have no tag: the trigger's program does not even start for them.
  `CREATE TRIGGER audience_tags_insert AFTER INSERT ON customers
   WHEN NEW.subscribed AND NEW.tags <> '[]'
   BEGIN ${SQLITE_ADD}; END`,
  `CREATE TRIGGER audience_tags_update AFTER UPDATE OF id, tags, subscribed ON customers
   WHEN OLD.tags IS NOT NEW.tags OR OLD.subscribed IS NOT NEW.subscribed OR OLD.id IS NOT NEW.id
   BEGIN ${SQLITE_REMOVE}; ${SQLITE_ADD}; END`,
  `CREATE TRIGGER audience_tags_delete AFTER DELETE ON customers
   WHEN OLD.subscribed AND OLD.tags <> '[]'
   BEGIN ${SQLITE_REMOVE}; END`,
];

/** Elements of a JSON array text; anything else holds no tag. */
const pgTags = (row: string) =>
  `json_array_elements_text(CASE WHEN json_typeof(${row}.tags::json) = 'array' ` +
  `THEN ${row}.tags::json ELSE '[]'::json END) AS t(v)`;

const POSTGRES_SCHEMA = [
  `CREATE TABLE ${AUDIENCE_TAGS} (tag TEXT NOT NULL, customer_id VARCHAR(200) NOT NULL,
   PRIMARY KEY (tag, customer_id))`,
  `CREATE FUNCTION audience_tags_keep() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP <> 'INSERT' AND OLD.subscribed THEN
       DELETE FROM ${AUDIENCE_TAGS} a USING ${pgTags('OLD')}
       WHERE a.customer_id = OLD.id AND a.tag = lower(t.v);
     END IF;
     IF TG_OP <> 'DELETE' AND NEW.subscribed THEN
       INSERT INTO ${AUDIENCE_TAGS} (tag, customer_id)
       SELECT DISTINCT lower(t.v), NEW.id FROM ${pgTags('NEW')} WHERE t.v IS NOT NULL
       ON CONFLICT DO NOTHING;
     END IF;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER audience_tags_insert AFTER INSERT ON customers FOR EACH ROW
   WHEN (NEW.subscribed AND NEW.tags <> '[]') EXECUTE PROCEDURE audience_tags_keep()`,
  `CREATE TRIGGER audience_tags_update AFTER UPDATE OF id, tags, subscribed ON customers FOR EACH ROW
   WHEN (OLD.tags IS DISTINCT FROM NEW.tags OR OLD.subscribed IS DISTINCT FROM NEW.subscribed
     OR OLD.id IS DISTINCT FROM NEW.id)
   EXECUTE PROCEDURE audience_tags_keep()`,
  `CREATE TRIGGER audience_tags_delete AFTER DELETE ON customers FOR EACH ROW
   WHEN (OLD.subscribed AND OLD.tags <> '[]') EXECUTE PROCEDURE audience_tags_keep()`,
];

const SQLITE_BACKFILL = `INSERT OR IGNORE INTO ${AUDIENCE_TAGS} (tag, customer_id)
  SELECT lower(t.value), c.id FROM customers AS c,
    json_each(CASE WHEN json_valid(c.tags) THEN c.tags ELSE '[]' END) AS t
  WHERE c.subscribed AND c.tags <> '[]' AND t.value IS NOT NULL`;

const POSTGRES_BACKFILL = `INSERT INTO ${AUDIENCE_TAGS} (tag, customer_id)
  SELECT DISTINCT lower(t.v), c.id FROM customers AS c CROSS JOIN LATERAL ${pgTags('c')}
  WHERE c.subscribed AND c.tags <> '[]' AND t.v IS NOT NULL
  ON CONFLICT DO NOTHING`;

/**
 * Creates the tables and their triggers, then counts and fills them from the customers already
 * there. In one migration transaction: on Postgres creating a trigger locks out writes to
 * customers until the commit, so no write falls between.
 */
export async function createAudienceTables(knex: Knex): Promise<void> {
  const postgres = dialectOf(knex).name === 'postgres';
  if (!postgres) {
    for (const sql of SQLITE_COUNT_TRIGGERS) await knex.raw(sql);
    await knex.raw(
      `INSERT INTO ${SUBSCRIBED_COUNTS} (shard, n) SELECT 0, count(*) FROM customers WHERE subscribed = ?`,
      [true],
    );
  }
  for (const sql of postgres ? POSTGRES_SCHEMA : SQLITE_SCHEMA) await knex.raw(sql);
  await knex.raw(postgres ? POSTGRES_BACKFILL : SQLITE_BACKFILL);
}

export async function dropAudienceTables(knex: Knex): Promise<void> {
  const postgres = dialectOf(knex).name === 'postgres';
  for (const table of ['audience_tags', 'subscribed_counts'])
    for (const op of ['insert', 'update', 'delete'])
      await knex.raw(`DROP TRIGGER IF EXISTS ${table}_${op}${postgres ? ' ON customers' : ''}`);
  if (postgres) await knex.raw('DROP FUNCTION IF EXISTS audience_tags_keep()');
  await knex.schema.dropTableIfExists(AUDIENCE_TAGS);
  await knex.schema.dropTableIfExists(SUBSCRIBED_COUNTS);
}
