/**
 * Postgres plans reads of deliveries without parallel workers: the dashboard's count of pending
 * sends due by now would otherwise start workers whenever the planner expects many rows, which it
 * does for pending rows planned ahead, and the workers' start costs more than the count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrations.js';
import { listDeliveries } from '../../src/console/data/deliveries.js';
import { database } from '../support/databases.js';

const postgres = database('postgres');
const NOW = Date.parse('2027-03-10T15:00:00Z');
const COUNT = 10_000;

/** The plan of the dashboard's backlog count, with parallel workers as cheap as they can be. */
async function backlogPlan(knex: Knex): Promise<string> {
  return knex.transaction(async (trx) => {
    for (const setting of [
      'parallel_setup_cost = 0',
      'parallel_tuple_cost = 0',
      'min_parallel_table_scan_size = 0',
      'min_parallel_index_scan_size = 0',
      'max_parallel_workers_per_gather = 2',
    ])
      await trx.raw(`SET LOCAL ${setting}`);
    const result = (await trx.raw(
      `EXPLAIN SELECT count(*) FROM deliveries WHERE status = 'pending' AND available_at <= ${NOW}`,
    )) as { rows: Array<{ 'QUERY PLAN': string }> };
    return result.rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

/** The plan of the statement a call runs on `db` (its last one). */
async function planOf(db: Database, call: () => Promise<unknown>): Promise<string> {
  let last: { sql: string; bindings: readonly unknown[] } | undefined;
  const listen = (q: { sql: string; bindings?: readonly unknown[] }) => {
    last = { sql: q.sql, bindings: q.bindings ?? [] };
  };
  db.knex.on('query', listen);
  try {
    await call();
  } finally {
    db.knex.removeListener('query', listen);
  }
  if (!last) throw new Error('no statement ran');
  // Postgres numbers its placeholders ($1, $2, … in order); knex.raw takes ?.
  const sql = last.sql.replace(/\$\d+/g, '?');
  const result = (await db.knex.raw(`EXPLAIN ${sql}`, last.bindings as Knex.RawBinding[])) as {
    rows: Array<{ 'QUERY PLAN': string }>;
  };
  return result.rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe.skipIf(!postgres.available)('deliveries on postgres', () => {
  const url = postgres.fresh('file');
  let db: Database;
  beforeAll(async () => {
    db = openDatabase(url());
    await migrate(db.knex);
    // Sent mail before now, pending sends planned after it, none due yet: taking status and time
    // as independent, the planner expects a quarter of the table pending and due.
    await db.knex.raw(
      `INSERT INTO deliveries (automation_id, customer_id, occurrence, status, trigger_at, due_at,
         available_at, attempts, created_at, updated_at)
       SELECT 'birthday', 'c' || i, 'o' || i, CASE WHEN t <= ${NOW} THEN 'sent' ELSE 'pending' END,
         t, t, t, 0, t, t
       FROM (SELECT i, ${NOW} + (i - ${COUNT / 2}) * 60000 AS t FROM generate_series(1, ${COUNT}) AS i) g`,
    );
    await db.knex.raw('ANALYZE deliveries');
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  it('lists a status newest first from its index, not by walking every newer row', async () => {
    // Every sent row is older than every pending one: the primary key walked backwards reaches
    // them after all pending rows.
    const plan = await planOf(db, () => listDeliveries(db, { status: 'sent' }));
    expect(plan).toMatch(/deliveries_status_id_index/);
    expect(plan).not.toMatch(/Backward using deliveries_pkey/);
  });

  it('are read by one process, where the planner would start workers', async () => {
    expect(await backlogPlan(db.knex)).not.toMatch(/Gather|Parallel/);
    // The same plan without the table's setting: parallel, so the check above can fail.
    await db.knex.raw('ALTER TABLE deliveries RESET (parallel_workers)');
    try {
      expect(await backlogPlan(db.knex)).toMatch(/Parallel/);
    } finally {
      await db.knex.raw('ALTER TABLE deliveries SET (parallel_workers = 0)');
    }
  });
});
