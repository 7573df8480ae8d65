/**
 * A refresh fills its table of lines without indexes and builds them once before the switch:
 * on both databases, every published table has its page and key indexes, including a table a
 * build that died left without them; and lines written in several chunks (the SQLite batches
 * and a partial last one) are stored whole.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upsertCustomers } from '../../src/db/customers.js';
import { dayLines, markLineSkipped } from '../../src/db/upcoming-lines.js';
import { dropLineIndexes, LINE_TABLES, linesTableOf, type LineTable } from '../../src/db/upcoming-schema.js';
import { readUpcomingState } from '../../src/db/upcoming-state.js';
import { CONSOLE_PAGES } from '../../src/console/pages.js';
import { buildUpcoming } from '../../src/schedule/upcoming-build.js';
import { databases } from '../support/databases.js';
import { customer } from '../support/records.js';
import { startTestConsole, type TestConsole } from '../support/console.js';

const NOW = Date.parse('2027-03-10T15:00:00Z');
/** More customers than one SQLite batch of lines holds, and not a multiple of it. */
const CUSTOMERS = 263;

describe.each(databases())('the refresh indexes its lines on %s', (db) => {
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

  it('publishes each table with its page and key indexes, and every line written', async () => {
    for (const t of LINE_TABLES)
      expect(await indexesOf(t)).toEqual(expect.arrayContaining([t.pageIndex, t.keyIndex]));
    const first = await build();
    const second = await build();
    for (const built of [first, second]) {
      const t = linesTableOf(built?.generation as number);
      expect(await indexesOf(t)).toEqual(expect.arrayContaining([t.pageIndex, t.keyIndex]));
    }
    const generation = second?.generation as number;
    const birthdays = await dayLines(c.db.knex, generation, '2027-03-11', null, 1000);
    expect(birthdays.filter((l) => l.automation_id === 'birthday')).toHaveLength(CUSTOMERS);
    expect(second?.lines).toBe(first?.lines);
  });

  it('indexes again a table a build that died left without its indexes', async () => {
    const first = await build();
    // The next build writes into the other table: as a build that died after dropping its indexes left it.
    const other = linesTableOf((first?.generation as number) + 1);
    await dropLineIndexes(c.db.knex, other);
    expect(await indexesOf(other)).not.toContain(other.pageIndex);
    const next = await build();
    expect(linesTableOf(next?.generation as number)).toEqual(other);
    expect(await indexesOf(other)).toEqual(expect.arrayContaining([other.pageIndex, other.keyIndex]));
    expect((await readUpcomingState(c.db.knex)).generation).toBe(next?.generation);
    // The key index serves a person's skip on the published forecast.
    const key = { automationId: 'birthday', customerId: 'c-0007', occurrence: '2027' };
    await markLineSkipped(c.db.knex, next?.generation as number, key, 'owner@example.com', 'asked');
    const lines = await dayLines(c.db.knex, next?.generation as number, '2027-03-11', null, 1000);
    expect(lines.find((l) => l.customer_id === 'c-0007' && l.automation_id === 'birthday')).toMatchObject({
      outcome: 'skip',
      skipped_by: 'owner@example.com',
    });
  });
});
