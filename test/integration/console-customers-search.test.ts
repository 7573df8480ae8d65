/**
 * The customers page says when a search may not have found every match, on both databases: a
 * full page, or a tag or part-of-an-address scan that stopped at its row budget (lowered here
 * through the page's own argument), shows "Showing the first N matches — refine your search"
 * instead of passing for the whole answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertCustomers } from '../../src/db/customers.js';
import { customersPage, customersPageWith } from '../../src/console/people/customers-page.js';
import { databases } from '../support/databases.js';
import { customer } from '../support/records.js';
import { seedUser, session, startTestConsole, type TestConsole } from '../support/console.js';

const text = (body: string) =>
  body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/\s+/g, ' ');
const REFINE = /refine your search \(an exact email, tag:NAME , or more of the name\)/;

async function trigramIndexed(c: TestConsole): Promise<boolean> {
  if (c.db.dialect !== 'postgres') return false;
  const r = (await c.db.knex.raw(
    "SELECT count(*) AS n FROM pg_indexes WHERE indexname = 'customers_tags_trgm_index'",
  )) as { rows: Array<{ n: string }> };
  return Number(r.rows[0]?.n) > 0;
}

describe.each(databases())('customer search completeness on %s', (db) => {
  const url = db.fresh('file');
  let full: TestConsole;
  let small: TestConsole;
  let indexed: boolean;
  const viewerOf = (c: TestConsole) => session(c, 'vi@example.com');

  beforeAll(async () => {
    full = await startTestConsole(url(), { pages: [customersPage] });
    // The same database, searched with scans that read at most 5 customers.
    small = await startTestConsole(url(), {
      pages: [customersPageWith({ budgets: { tag: 5, address: 5 } })],
    });
    const now = full.clock.now;
    const bulk = Array.from({ length: 55 }, (_, i) =>
      customer(`c-${String(i).padStart(2, '0')}`, { email: `bulk${String(i).padStart(2, '0')}@shop.test` }),
    );
    bulk[1] = customer('c-01', { email: 'ann@shop.test', tags: ['vip'] });
    bulk[50] = customer('c-50', { email: 'zoe@shop.test', tags: ['vip'] });
    await upsertCustomers(full.db.knex, bulk, now);
    await seedUser(full, 'vi@example.com', 'viewer');
    indexed = await trigramIndexed(full);
  }, 60_000);
  afterAll(async () => {
    await small?.close();
    await full?.close();
  });

  it('says a full page is only the first matches', async () => {
    const viewer = await viewerOf(full);
    const page = text((await viewer.get('/console/customers?q=bulk')).body);
    expect(page).toMatch(/Showing the first 50 matches — /);
    expect(page).toMatch(REFINE);
    const narrow = text((await viewer.get('/console/customers?q=bulk07')).body);
    expect(narrow).toContain('bulk07@shop.test');
    expect(narrow).not.toMatch(/Showing the first/);
  });

  it('says a tag search stopped at its budget may have missed customers', async () => {
    const everyone = text((await (await viewerOf(full)).get('/console/customers?q=tag:vip')).body);
    expect(everyone).toContain('ann@shop.test');
    expect(everyone).toContain('zoe@shop.test');
    expect(everyone).not.toMatch(/Showing the first/);

    const bounded = text((await (await viewerOf(small)).get('/console/customers?q=tag:vip')).body);
    expect(bounded).toContain('ann@shop.test');
    if (indexed) {
      // Trigram indexes serve the scan: it reads every customer, so the answer is whole.
      expect(bounded).toContain('zoe@shop.test');
      expect(bounded).not.toMatch(/Showing the first/);
    } else {
      expect(bounded).not.toContain('zoe@shop.test');
      expect(bounded).toMatch(/Showing the first 1 match — /);
      expect(bounded).toMatch(REFINE);
    }
  });

  it('does not say "no customer matches" when the scan did not look at everyone', async () => {
    const viewer = await viewerOf(small);
    const page = text((await viewer.get('/console/customers?q=zoe@shop')).body);
    if (indexed) {
      expect(page).toContain('zoe@shop.test');
      return;
    }
    // "zoe@shop" is not the start of any address within reach of 5 rows.
    const miss = text((await viewer.get('/console/customers?q=oe@sho')).body);
    expect(miss).not.toMatch(/No customer matches/);
    expect(miss).toMatch(/No match among the customers looked at — /);
    expect(miss).toMatch(REFINE);
    expect(page).toContain('zoe@shop.test');
  });
});
