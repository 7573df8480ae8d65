/**
 * A refresh writes its lines in batches (on SQLite a prepared statement per full batch and one
 * for the rest, on Postgres one JSON document per chunk): on both databases every line is
 * stored, in tables that keep their page and key indexes, and a person's skip finds its line.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertCustomers } from '../../src/db/customers.js';
import { dayLines, markLineSkipped } from '../../src/db/upcoming-lines.js';
import { LINE_TABLES, linesTableOf, type LineTable } from '../../src/db/upcoming-schema.js';
import { CONSOLE_PAGES } from '../../src/console/pages.js';
import { buildUpcoming } from '../../src/schedule/upcoming-build.js';
import { databases } from '../support/databases.js';
import { customer } from '../support/records.js';
import { startTestConsole, type TestConsole } from '../support/console.js';

const NOW = Date.parse('2027-03-10T15:00:00Z');
/** More customers than one SQLite batch of lines holds, and not a multiple of it. */
const CUSTOMERS = 263;

describe.each(databases())('the refresh writing its lines on %s', (db) => {
  const url = db.fresh('test');
  let c: TestConsole;
  const build = () => buildUpcoming(c.db, c.rt.config, { now: c.rt.now, owner: 'w1', by: 'w1' });

  async function indexesOf(t: LineTable): Promise<string[]> {
    const rows: unknown =
      c.db.dialect === 'postgres'
        ? (await c.db.knex.raw('SELECT indexname AS name FROM pg_indexes WHERE tablename = ?', [t.table]))
            .rows
        : await c.db.knex.raw("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", [
            t.table,
          ]);
    return (rows as Array<{ name: string }>).map((r) => r.name);
  }

  beforeEach(async () => {
    c = await startTestConsole(url(), { pages: [...CONSOLE_PAGES] });
    c.clock.now = NOW;
    const people = Array.from({ length: CUSTOMERS }, (_, i) =>
      customer(`c-${String(i).padStart(4, '0')}`, { birthday: '03-11', timezone: 'Europe/Paris' }),
    );
    await upsertCustomers(c.db.knex, people, NOW);
  });
  afterEach(async () => {
    await c.close();
  });

  it('stores every line across batches, in indexed tables, and a skip finds its line', async () => {
    for (const t of LINE_TABLES)
      expect(await indexesOf(t)).toEqual(expect.arrayContaining([t.pageIndex, t.keyIndex]));
    const first = await build();
    const second = await build();
    // Several full SQLite batches of 250 lines and a partial one.
    expect((first?.lines ?? 0) % 250).not.toBe(0);
    expect(first?.lines).toBeGreaterThan(500);
    for (const built of [first, second]) {
      const t = linesTableOf(built?.generation as number);
      expect(await indexesOf(t)).toEqual(expect.arrayContaining([t.pageIndex, t.keyIndex]));
    }
    const generation = second?.generation as number;
    const birthdays = await dayLines(c.db.knex, generation, '2027-03-11', null, 1000);
    expect(birthdays.filter((l) => l.automation_id === 'birthday')).toHaveLength(CUSTOMERS);
    expect(second?.lines).toBe(first?.lines);
    // The key index serves a person's skip on the published forecast.
    const key = { automationId: 'birthday', customerId: 'c-0007', occurrence: '2027' };
    await markLineSkipped(c.db.knex, generation, key, 'owner@example.com', 'asked');
    const after = await dayLines(c.db.knex, generation, '2027-03-11', null, 1000);
    expect(after.find((l) => l.customer_id === 'c-0007' && l.automation_id === 'birthday')).toMatchObject({
      outcome: 'skip',
      skipped_by: 'owner@example.com',
    });
  });
});
