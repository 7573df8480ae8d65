/**
 * delivery_outcomes: how many deliveries stand in each outcome, per UTC day of the row's
 * updated_at, automation and status — what the dashboard reads instead of counting millions of
 * rows. It is kept by database triggers on `deliveries`, in the transaction of the write itself:
 * every writer (sender, retries, bounces, a person's skip, erase, the planner's cleanup, any
 * later one) keeps it exact without knowing about it, a rolled-back write takes its count with
 * it, and a retried write counts once because only the committed attempt remains.
 *
 * A row moving between keys (status, day or automation) is -1 on its old key and +1 on its new
 * one. On Postgres each count is split over shards chosen by the writing connection (its
 * backend pid), so workers sending the same automation on the same day do not queue on one
 * counter row until each other's commit; the upsert makes a first write to a shard safe under
 * concurrency. A shard may go below zero; the sum per key is what is exact. SQLite has a single
 * writer and uses shard 0.
 */
import type { Knex } from 'knex';
import { dialectOf } from './dialect.js';
import { num, oneOf, rowsOf, str } from './read.js';

/** The statuses counted: the ones the dashboard shows (sent mail that later bounced counts too). */
export const OUTCOME_STATUSES = ['sent', 'bounced', 'complained', 'failed', 'suppressed'] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

const DAY = 86_400_000;
const TABLE = 'delivery_outcomes';
const SHARDS = 16;
const COUNTED = `(${OUTCOME_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/** Every row's key that changes its count: status, day or automation. */
const MOVED = (ne: string) =>
  `(OLD.status ${ne} NEW.status OR OLD.automation_id ${ne} NEW.automation_id OR ` +
  `OLD.updated_at / ${DAY} <> NEW.updated_at / ${DAY})`;

/** Adds `delta` to the key of `row` (OLD or NEW) in `shard`. */
function bump(row: 'OLD' | 'NEW', delta: number, shard: string): string {
  return (
    `INSERT INTO ${TABLE} (day, automation_id, status, shard, n) ` +
    `SELECT ${row}.updated_at / ${DAY}, ${row}.automation_id, ${row}.status, ${shard}, ${delta} ` +
    `WHERE ${row}.status IN ${COUNTED} ` +
    `ON CONFLICT (day, automation_id, status, shard) DO UPDATE SET n = ${TABLE}.n + excluded.n`
  );
}

const SQLITE_TRIGGERS = [
  `CREATE TRIGGER delivery_outcomes_insert AFTER INSERT ON deliveries
   WHEN NEW.status IN ${COUNTED}
   BEGIN ${bump('NEW', 1, '0')}; END`,
  `CREATE TRIGGER delivery_outcomes_update AFTER UPDATE OF status, automation_id, updated_at ON deliveries
   WHEN (OLD.status IN ${COUNTED} OR NEW.status IN ${COUNTED}) AND ${MOVED('IS NOT')}
   BEGIN ${bump('OLD', -1, '0')}; ${bump('NEW', 1, '0')}; END`,
  `CREATE TRIGGER delivery_outcomes_delete AFTER DELETE ON deliveries
   WHEN OLD.status IN ${COUNTED}
   BEGIN ${bump('OLD', -1, '0')}; END`,
];

const PG_SHARD = `pg_backend_pid() % ${SHARDS}`;
const POSTGRES_TRIGGERS = [
  `CREATE FUNCTION delivery_outcomes_count() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP <> 'INSERT' THEN ${bump('OLD', -1, PG_SHARD)}; END IF;
     IF TG_OP <> 'DELETE' THEN ${bump('NEW', 1, PG_SHARD)}; END IF;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER delivery_outcomes_insert AFTER INSERT ON deliveries FOR EACH ROW
   WHEN (NEW.status IN ${COUNTED}) EXECUTE PROCEDURE delivery_outcomes_count()`,
  `CREATE TRIGGER delivery_outcomes_update AFTER UPDATE OF status, automation_id, updated_at ON deliveries
   FOR EACH ROW WHEN ((OLD.status IN ${COUNTED} OR NEW.status IN ${COUNTED}) AND ${MOVED('IS DISTINCT FROM')})
   EXECUTE PROCEDURE delivery_outcomes_count()`,
  `CREATE TRIGGER delivery_outcomes_delete AFTER DELETE ON deliveries FOR EACH ROW
   WHEN (OLD.status IN ${COUNTED}) EXECUTE PROCEDURE delivery_outcomes_count()`,
];

/**
 * Creates the table and its triggers, then counts the rows already there. In one migration
 * transaction: on Postgres creating a trigger locks out writes to deliveries until the commit,
 * so no write falls between the count and the first triggered change.
 */
export async function createDeliveryOutcomes(knex: Knex): Promise<void> {
  await knex.schema.createTable(TABLE, (t) => {
    t.bigInteger('day').notNullable();
    t.string('automation_id', 64).notNullable();
    t.string('status', 16).notNullable();
    t.integer('shard').notNullable();
    t.bigInteger('n').notNullable();
    t.primary(['day', 'automation_id', 'status', 'shard']);
  });
  for (const sql of dialectOf(knex).name === 'postgres' ? POSTGRES_TRIGGERS : SQLITE_TRIGGERS)
    await knex.raw(sql);
  await knex.raw(
    `INSERT INTO ${TABLE} (day, automation_id, status, shard, n)
     SELECT updated_at / ${DAY}, automation_id, status, 0, count(*) FROM deliveries
     WHERE status IN ${COUNTED} GROUP BY updated_at / ${DAY}, automation_id, status`,
  );
}

export async function dropDeliveryOutcomes(knex: Knex): Promise<void> {
  for (const op of ['insert', 'update', 'delete'])
    await knex.raw(
      `DROP TRIGGER IF EXISTS delivery_outcomes_${op}${dialectOf(knex).name === 'postgres' ? ' ON deliveries' : ''}`,
    );
  if (dialectOf(knex).name === 'postgres')
    await knex.raw('DROP FUNCTION IF EXISTS delivery_outcomes_count()');
  await knex.schema.dropTableIfExists(TABLE);
}

export interface OutcomeCount {
  /** UTC day number (epoch ms / 86 400 000). */
  day: number;
  automation_id: string;
  status: OutcomeStatus;
  n: number;
}

/** Counts per day, automation and status from day `sinceDay` on (keys whose count is zero left out). */
export async function outcomeCounts(
  knex: Knex,
  statuses: readonly OutcomeStatus[],
  sinceDay: number,
): Promise<OutcomeCount[]> {
  const rows = rowsOf(
    await knex(TABLE)
      .where('day', '>=', sinceDay)
      .whereIn('status', statuses)
      .select('day', 'automation_id', 'status')
      .sum({ n: 'n' })
      .groupBy('day', 'automation_id', 'status')
      .havingRaw('sum(n) <> 0'),
  );
  return rows.map((r) => ({
    day: num(r, 'day'),
    automation_id: str(r, 'automation_id'),
    status: oneOf(r, 'status', OUTCOME_STATUSES),
    n: num(r, 'n'),
  }));
}
