/**
 * The import page over fastify inject on SQLite: upload → review (mapping, dry run, nothing
 * written) → confirm (imported, audited); hostile cells escaped; an ambiguous date column asking
 * for the format; the mapping edited; viewers, forged forms, too-large files and expired or
 * foreign uploads refused.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCustomers, getCustomer } from '../../src/db/customers.js';
import { listStaffAudit } from '../../src/db/staff-audit.js';
import { CONSOLE_PAGES } from '../../src/console/pages.js';
import { importPageWith } from '../../src/console/import/page.js';
import { database } from '../support/databases.js';
import { ORIGIN, seedUser, session, startTestConsole, type TestConsole } from '../support/console.js';

type Session = Awaited<ReturnType<typeof session>>;

/** What a person reads: tags dropped, entities decoded, whitespace collapsed. */
const text = (body: string) =>
  body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

/** A multipart form body as a browser sends it, parts in the order given. */
function multipart(parts: Array<[string, string] | { file: string; name: string }>) {
  const boundary = '----rapport-test-boundary';
  const chunks = parts.map((part) =>
    Array.isArray(part)
      ? `--${boundary}\r\ncontent-disposition: form-data; name="${part[0]}"\r\n\r\n${part[1]}\r\n`
      : `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${part.name}"\r\n` +
        `content-type: text/csv\r\n\r\n${part.file}\r\n`,
  );
  return {
    payload: Buffer.from(`${chunks.join('')}--${boundary}--\r\n`),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

const versionOf = (body: string) => /name="version" value="(\d+)"/.exec(body)?.[1] ?? '';

describe('console import page on sqlite', () => {
  const url = database('sqlite').fresh('file');
  const dir = mkdtempSync(join(tmpdir(), 'rapport-import-test-'));
  let c: TestConsole;
  let editor: Session;
  let other: Session;
  let viewer: Session;

  const upload = (who: Session, kind: string, name: string, file: string) => {
    const body = multipart([['_csrf', who.csrf], ['kind', kind], { file, name }]);
    return c.app.inject({
      method: 'POST',
      url: '/console/import',
      headers: { cookie: who.cookie, ...ORIGIN, ...body.headers },
      payload: body.payload,
    });
  };
  /** Uploads a file and returns its review page's address. */
  const uploaded = async (kind: string, name: string, file: string) => {
    const res = await upload(editor, kind, name, file);
    expect(res.statusCode).toBe(303);
    const location = String(res.headers.location);
    expect(location).toMatch(/^\/console\/import\/[0-9a-f]{32}$/);
    return location;
  };

  beforeAll(async () => {
    c = await startTestConsole(url(), {
      pages: [...CONSOLE_PAGES],
      console: { import_dir: dir, import_max_bytes: 4096 },
    });
    await seedUser(c, 'ed@example.com', 'editor');
    await seedUser(c, 'other@example.com', 'editor');
    await seedUser(c, 'vi@example.com', 'viewer');
    editor = await session(c, 'ed@example.com');
    other = await session(c, 'other@example.com');
    viewer = await session(c, 'vi@example.com');
  });
  afterAll(async () => {
    await c?.close();
  });

  it('uploads, reviews with a dry run that writes nothing, then imports and audits', async () => {
    const file =
      'Customer ID;Email Address;First Name;<b>Notes</b>\n' +
      'c1;ann@example.com;Ann;<script>alert(1)</script>\n' +
      'c2;ben@example.com;<img src=x onerror=alert(2)>;fine\n' +
      'c3;not-an-address;Cy;\n';
    const review = await uploaded('customers', 'shop <i onclick=x>export.csv', file);
    const page = await editor.get(review);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toMatch(/<script>alert|<img src=x|<b>|<i onclick/);
    expect(page.body).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    const seen = text(page.body);
    expect(seen).toContain('Review shop <i onclick=x>export.csv');
    expect(seen).toContain('CSV, values separated by semicolons');
    expect(seen).toContain('Checked 3 rows; nothing has been written yet.');
    expect(seen).toMatch(/New 2 Changed 0 Unchanged 0 Rejected 1/);
    expect(seen).toMatch(/4 email .*not-an-address/);
    expect(page.body).toMatch(/value="email"\s+selected/);
    expect(page.body).toMatch(/value="b_notes_b"\s+selected/);
    expect(await countCustomers(c.db.knex)).toBe(0);

    const done = await editor.post(`${review}/confirm`, { version: versionOf(page.body) });
    expect(done.statusCode).toBe(303);
    const report = await editor.get(review);
    expect(text(report.body)).toMatch(
      /Imported shop <i onclick=x>export.csv.*New 2 Changed 0 Unchanged 0 Rejected 1/,
    );
    expect(report.body).toContain('href="/console/customers"');
    expect((await getCustomer(c.db.knex, 'c2'))?.first_name).toBe('<img src=x onerror=alert(2)>');
    expect((await getCustomer(c.db.knex, 'c1'))?.attributes).toEqual({
      b_notes_b: '<script>alert(1)</script>',
    });
    const [entry] = await listStaffAudit(c.db.knex, 1);
    expect(entry).toMatchObject({
      actor: 'ed@example.com',
      action: 'import.customers',
      target: 'shop <i onclick=x>export.csv',
    });
    expect(entry?.detail).toEqual({ read: 3, new: 2, changed: 0, unchanged: 0, rejected: 1 });
    // The file is gone once imported.
    expect(readdirSync(dir)).toEqual([]);
  });

  it('imports events for the customers just imported', async () => {
    const file =
      'Order ID,Customer ID,Type,Occurred At\no-1,c1,purchase,2027-03-01T10:00:00Z\no-2,nobody,purchase,2027-03-01T10:00:00Z\n';
    const review = await uploaded('events', 'orders.csv', file);
    const page = await editor.get(review);
    expect(text(page.body)).toMatch(
      /New 1 Changed 0 Unchanged 0 Rejected 1 .*3 customer_id no customer with id "nobody"/,
    );
    await editor.post(`${review}/confirm`, { version: versionOf(page.body) });
    expect(text((await editor.get(review)).body)).toContain('Read 2 rows; imported 1 events.');
    const [entry] = await listStaffAudit(c.db.knex, 1);
    expect(entry).toMatchObject({ action: 'import.events', target: 'orders.csv' });
  });

  it('lets the mapping be changed per column and checks again', async () => {
    const review = await uploaded(
      'customers',
      'clients.csv',
      'Client No,Contact,Internal\nk1,kay@example.com,x\n',
    );
    const first = await editor.get(review);
    expect(text(first.body)).toMatch(
      /has no "id", "email" column.*choose the column that holds it in the mapping/,
    );
    expect(first.body).not.toContain('/confirm');
    const changed = await editor.post(`${review}/settings`, {
      version: versionOf(first.body),
      col_0: 'id',
      col_1: 'email',
      col_2: '-',
    });
    expect(changed.statusCode).toBe(303);
    const second = await editor.get(review);
    expect(text(second.body)).toMatch(/New 1 Changed 0 Unchanged 0 Rejected 0/);
    expect(second.body).toMatch(/value="-"\s+selected/);
    await editor.post(`${review}/confirm`, { version: versionOf(second.body) });
    expect(await getCustomer(c.db.knex, 'k1')).toMatchObject({ email: 'kay@example.com', attributes: {} });
  });

  it('asks for the date format when a date column reads both ways, and uses the one chosen', async () => {
    const review = await uploaded(
      'customers',
      'dates.csv',
      'id,email,Birthday\nd1,dee@example.com,03/04/1990\n',
    );
    const first = await editor.get(review);
    const seen = text(first.body);
    expect(seen).toContain(
      'Column Birthday has dates such as 03/04/1990 that read as day/month or month/day',
    );
    expect(first.body).toMatch(/value="DD\/MM\/YYYY">Day first: DD\/MM\/YYYY<\/option>/);
    expect(first.body).toMatch(/value="MM\/DD\/YYYY">Month first: MM\/DD\/YYYY<\/option>/);
    expect(first.body).not.toContain('/confirm');
    await editor.post(`${review}/settings`, { version: versionOf(first.body), date_format: 'DD/MM/YYYY' });
    const second = await editor.get(review);
    expect(text(second.body)).toMatch(/New 1/);
    await editor.post(`${review}/confirm`, { version: versionOf(second.body) });
    expect((await getCustomer(c.db.knex, 'd1'))?.birthday).toBe('1990-04-03');
  });

  it('refuses a confirmation for settings that changed since the review', async () => {
    const review = await uploaded('customers', 'stale.csv', 'id,email\ns1,sue@example.com\n');
    const page = await editor.get(review);
    await editor.post(`${review}/settings`, { version: versionOf(page.body), strict: 'yes' });
    const stale = await editor.post(`${review}/confirm`, { version: versionOf(page.body) });
    expect(stale.headers.location).toBe(`${review}?done=changed`);
    expect(await getCustomer(c.db.knex, 's1')).toBeUndefined();
    const cancelled = await editor.post(`${review}/cancel`, {});
    expect(cancelled.headers.location).toBe('/console/import?done=cancelled');
    expect((await editor.get(review)).statusCode).toBe(404);
  });

  it('shows viewers why they cannot import and refuses their posts', async () => {
    const page = await viewer.get('/console/import');
    expect(page.statusCode).toBe(200);
    expect(text(page.body)).toContain('needs the editor role');
    expect(page.body).not.toContain('enctype="multipart/form-data"');
    expect((await upload(viewer, 'customers', 'x.csv', 'id,email\nv1,v@example.com\n')).statusCode).toBe(403);
    const review = await uploaded('customers', 'mine.csv', 'id,email\nv2,v2@example.com\n');
    expect((await viewer.get(review)).statusCode).toBe(403);
    expect((await viewer.post(`${review}/confirm`, { version: '1' })).statusCode).toBe(403);
    await editor.post(`${review}/cancel`, {});
  });

  it('refuses forged uploads before storing anything', async () => {
    const before = readdirSync(dir);
    const noToken = multipart([
      ['kind', 'customers'],
      { file: 'id,email\nf1,f@example.com\n', name: 'f.csv' },
    ]);
    const res = await c.app.inject({
      method: 'POST',
      url: '/console/import',
      headers: { cookie: editor.cookie, ...ORIGIN, ...noToken.headers },
      payload: noToken.payload,
    });
    expect(res.statusCode).toBe(403);
    const late = multipart([
      ['kind', 'customers'],
      { file: 'id,email\n', name: 'f.csv' },
      ['_csrf', editor.csrf],
    ]);
    const lateRes = await c.app.inject({
      method: 'POST',
      url: '/console/import',
      headers: { cookie: editor.cookie, ...ORIGIN, ...late.headers },
      payload: late.payload,
    });
    expect(lateRes.statusCode).toBe(403);
    const elsewhere = await c.app.inject({
      method: 'POST',
      url: '/console/import',
      headers: { cookie: editor.cookie, origin: 'https://evil.example', ...late.headers },
      payload: multipart([
        ['_csrf', editor.csrf],
        ['kind', 'customers'],
        { file: 'id,email\n', name: 'f.csv' },
      ]).payload,
    });
    expect(elsewhere.statusCode).toBe(403);
    expect(readdirSync(dir)).toEqual(before);
  });

  it('refuses a file over console.import_max_bytes and keeps nothing', async () => {
    const big = 'id,email\n' + 'x1,someone@example.com\n'.repeat(300);
    const res = await upload(editor, 'customers', 'big.csv', big);
    expect(res.statusCode).toBe(413);
    expect(text(res.body)).toContain(
      'larger than 4 KB, the most the console accepts (console.import_max_bytes)',
    );
    expect(readdirSync(dir)).toEqual([]);
    const wrong = await upload(editor, 'customers', 'list.pdf', 'id,email\n');
    expect(wrong.statusCode).toBe(400);
    expect(text(wrong.body)).toContain('cannot tell the format of "list.pdf"');
  });

  it("refuses another person's upload and an expired one", async () => {
    const review = await uploaded('events', 'orders.csv', 'id,customer_id,type,occurred_at\n');
    expect((await other.get(review)).statusCode).toBe(404);
    expect((await other.post(`${review}/confirm`, { version: '1' })).statusCode).toBe(404);
    expect((await other.post(`${review}/cancel`, {})).statusCode).toBe(404);
    expect((await editor.get(review)).statusCode).toBe(200);
    c.clock.now += 61 * 60_000;
    try {
      const expired = await editor.get(review);
      expect(expired.statusCode).toBe(404);
      expect(text(expired.body)).toContain('This upload has expired');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      c.clock.now -= 61 * 60_000;
    }
    expect((await editor.get('/console/import/..%2F..%2Fetc')).statusCode).toBe(404);
  });

  it('deletes uploads left for over an hour when the next file is uploaded', async () => {
    const left = (await uploaded('customers', 'left.csv', 'id,email\nl1,l@example.com\n')).split('/').pop();
    expect(readdirSync(dir)).toEqual([left]);
    c.clock.now += 61 * 60_000;
    try {
      const next = (await uploaded('customers', 'next.csv', 'id,email\nn1,n@example.com\n')).split('/').pop();
      expect(readdirSync(dir)).toEqual([next]);
      await editor.post(`/console/import/${next}/cancel`, {});
    } finally {
      c.clock.now -= 61 * 60_000;
    }
  });
});

describe('console import of a large file on sqlite', () => {
  const url = database('sqlite').fresh('file');
  let c: TestConsole;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-import-test-'));
    // Answers at once, so the status pages show while the work goes on.
    c = await startTestConsole(url(), {
      pages: [importPageWith({ waitMs: 0 })],
      console: { import_dir: dir },
    });
    await seedUser(c, 'ed@example.com', 'editor');
  });
  afterAll(async () => {
    await c?.close();
  });

  it('checks and imports in the background, with a status page that refreshes itself', async () => {
    const editor = await session(c, 'ed@example.com');
    const rows = Array.from({ length: 8_000 }, (_, i) => `b${i},buyer${i}@example.com`);
    const body = multipart([
      ['_csrf', editor.csrf],
      ['kind', 'customers'],
      { file: `id,email\n${rows.join('\n')}\n`, name: 'big.csv' },
    ]);
    const res = await c.app.inject({
      method: 'POST',
      url: '/console/import',
      headers: { cookie: editor.cookie, ...ORIGIN, ...body.headers },
      payload: body.payload,
    });
    const review = String(res.headers.location);
    const checking = await editor.get(review);
    expect(checking.body).toContain('<meta http-equiv="refresh" content="2" />');
    expect(text(checking.body)).toMatch(/Checking big.csv [\d,]+ rows read so far/);
    await expect
      .poll(async () => text((await editor.get(review)).body), { timeout: 30_000 })
      .toMatch(/New 8,000/);
    const page = await editor.get(review);
    expect(page.body).not.toContain('http-equiv="refresh"');
    await editor.post(`${review}/confirm`, { version: versionOf(page.body) });
    const importing = await editor.get(review);
    expect(importing.body).toContain('<meta http-equiv="refresh" content="2" />');
    expect(text(importing.body)).toMatch(/Importing big.csv [\d,]+ of 8,000 rows read so far/);
    expect(importing.body).toMatch(/<progress max="8000" value="\d+">/);
    await expect
      .poll(async () => text((await editor.get(review)).body), { timeout: 30_000 })
      .toMatch(/Imported big.csv Read 8,000 rows; imported 8,000 customers/);
    expect(await countCustomers(c.db.knex)).toBe(8_000);
  });
});
