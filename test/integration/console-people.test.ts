/**
 * The customers, deliveries and suppressions pages over fastify inject, on both databases:
 * reading, every change an editor makes (audited, errors naming the field), a viewer's refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { listStaffAudit } from '../../src/db/staff-audit.js';
import { addSuppression } from '../../src/db/suppressions.js';
import { CONSOLE_PAGES } from '../../src/console/pages.js';
import { runOnce } from '../../src/main.js';
import { databases } from '../support/databases.js';
import { customer, purchase } from '../support/records.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { seedUser, session, startTestConsole, type TestConsole } from '../support/console.js';

const DAY = 86_400_000;
const NY = 'America/New_York';
/** What a person reads: tags dropped, entities decoded, whitespace collapsed. */
const text = (body: string) =>
  body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/\s+/g, ' ');

describe.each(databases())('console customer pages on %s', (db) => {
  const url = db.fresh('file');
  let sink: SmtpSink;
  let c: TestConsole;
  let editor: Awaited<ReturnType<typeof session>>;
  let viewer: Awaited<ReturnType<typeof session>>;

  beforeAll(async () => {
    sink = await startSmtpSink();
    c = await startTestConsole(url(), { pages: [...CONSOLE_PAGES], smtpUrl: sink.url });
    const now = c.clock.now;
    await upsertCustomers(
      c.db.knex,
      [
        customer('z-9', {
          email: 'Zed.Quill@Example.com',
          first_name: 'Zedekiah',
          birthday: '03-10',
          timezone: NY,
        }),
        customer('opt', { email: 'opted@example.com', birthday: '03-10', timezone: NY, subscribed: false }),
      ],
      now - DAY,
    );
    await upsertEvents(c.db.knex, [purchase('order-77', 'z-9', now - 2 * DAY)], now);
    await runOnce(c.rt);
    await seedUser(c, 'ed@example.com', 'editor');
    await seedUser(c, 'vi@example.com', 'viewer');
    editor = await session(c, 'ed@example.com');
    viewer = await session(c, 'vi@example.com');
  });
  afterAll(async () => {
    await c?.close();
    await sink?.close();
  });

  it('finds customers by part of the address and shows their page with why mail was not sent', async () => {
    const list = await viewer.get('/console/customers?q=quill');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('href="/console/customers/z-9"');
    const other = await viewer.get('/console/customers/opt');
    expect(text(other.body)).toMatch(/not sent the customer unsubscribed/);
    const page = await viewer.get('/console/customers/z-9');
    expect(page.statusCode).toBe(200);
    expect(text(page.body)).toContain('Zedekiah');
    expect(page.body).toMatch(/<time datetime="2027-03-08T15:00:00.000Z"/);
    expect(page.body).toMatch(/href="\/console\/deliveries\/\d+"\s*>\s*View as sent/);
    // A viewer gets no forms, and a forged change is refused.
    expect(page.body).not.toContain('method="post" action="/console/customers');
    expect((await viewer.post('/console/customers/z-9/tags', { tag: 'vip' })).statusCode).toBe(403);
    expect((await viewer.post('/console/customers/z-9/erase', { reason: 'x' })).statusCode).toBe(403);
    expect(
      (await viewer.post('/console/suppressions/lift', { email: 'a@b.c', reason: 'x' })).statusCode,
    ).toBe(403);
    expect(
      (
        await c.app.inject({
          method: 'GET',
          url: '/console/customers/nobody',
          headers: { cookie: viewer.cookie },
        })
      ).statusCode,
    ).toBe(404);
  });

  it('an editor edits with merge semantics, and a bad value names its field and changes nothing', async () => {
    const bad = await editor.post('/console/customers/z-9/edit', {
      first_name: 'Zedekiah',
      birthday: '13-45',
      timezone: NY,
    });
    expect(bad.statusCode).toBe(400);
    expect(text(bad.body)).toMatch(/birthday/);
    const ok = await editor.post('/console/customers/z-9/edit', {
      first_name: 'Zed',
      birthday: '03-10',
      timezone: NY,
      attributes: 'shoe_size=44',
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/console/customers/z-9?done=edited');
    const after = await editor.get('/console/customers/z-9?done=edited');
    expect(text(after.body)).toMatch(/Fields saved/);
    expect(text(after.body)).toMatch(/shoe_size 44/);
    expect(text(after.body)).toMatch(/by ed@example.com/);
    const refused = await editor.post('/console/customers/z-9/edit', {
      first_name: 'Zed',
      attributes: 'no equals',
    });
    expect(text(refused.body)).toMatch(/attributes, line 1/);
  });

  it('an editor tags, unsubscribes and suppresses (a reason required), each audited', async () => {
    expect((await editor.post('/console/customers/z-9/tags', { tag: 'vip' })).headers.location).toMatch(
      /done=tagged/,
    );
    expect((await editor.get('/console/customers?q=tag:vip')).body).toContain('/console/customers/z-9');
    expect((await editor.post('/console/customers/z-9/unsubscribe', {})).headers.location).toMatch(
      /done=unsubscribed/,
    );
    const noReason = await editor.post('/console/customers/z-9/suppress', { reason: ' ' });
    expect(noReason.statusCode).toBe(400);
    expect(text(noReason.body)).toMatch(/reason: say why/);
    expect(
      (await editor.post('/console/customers/z-9/suppress', { reason: 'phoned us' })).headers.location,
    ).toMatch(/done=suppressed/);
    const page = text((await editor.get('/console/customers/z-9')).body);
    expect(page).toMatch(/Address suppressed since .*phoned us \(operator\)/);
    expect(page).toMatch(/unsubscribe all marketing mail console ed@example.com/);
    const audit = await listStaffAudit(c.db.knex, 20);
    expect(audit.find((a) => a.action === 'customer.edit')?.detail).toEqual({
      fields: ['first_name', 'attributes'],
    });
    const actions = audit.map((a) => `${a.action} ${a.target}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'customer.edit z-9',
        'customer.tag z-9',
        'customer.unsubscribe z-9',
        'customer.suppress z-9',
      ]),
    );
    // Without the page's token the change is refused.
    const forged = await c.app.inject({
      method: 'POST',
      url: '/console/customers/z-9/tags',
      headers: {
        cookie: editor.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://127.0.0.1:8080',
      },
      payload: 'tag=evil',
    });
    expect(forged.statusCode).toBe(403);
  });

  it('shows the delivery log with filters and a sent message with its hash', async () => {
    const list = await viewer.get('/console/deliveries?status=sent');
    expect(list.statusCode).toBe(200);
    const id = /href="\/console\/deliveries\/(\d+)"/.exec(list.body)?.[1];
    expect(id).toBeDefined();
    const bad = await viewer.get('/console/deliveries?from=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(text(bad.body)).toMatch(/from: "yesterday" is not a date/);
    expect(text((await viewer.get('/console/deliveries?status=nope')).body)).toMatch(/status: "nope"/);
    const none = await viewer.get('/console/deliveries?from=2030-01-01');
    expect(text(none.body)).toMatch(/No deliveries match/);
    const message = await viewer.get(`/console/deliveries/${id}`);
    expect(message.statusCode).toBe(200);
    const received = sink.messages.find((m) => m.envelope.to.join().toLowerCase().includes('zed.quill'));
    expect(received).toBeDefined();
    expect(message.body).toContain('sandbox=""');
    expect(text(message.body)).toMatch(/still match/);
    const frame = await viewer.get(`/console/deliveries/${id}/html`);
    expect(frame.headers['content-security-policy']).toBe(
      "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; frame-ancestors 'self'",
    );
    const eml = await viewer.get(`/console/deliveries/${id}/eml`);
    expect(eml.headers['content-type']).toBe('message/rfc822');
    expect(eml.rawPayload.equals(Buffer.from(received?.raw ?? ''))).toBe(true);
    expect((await viewer.get('/console/deliveries/999999')).statusCode).toBe(404);
  });

  it('exports a customer as a JSON download, then erases them leaving only the suppression', async () => {
    const exported = await editor.post('/console/customers/z-9/export', {});
    expect(exported.headers['content-disposition']).toBe('attachment; filename="customer-z-9.json"');
    expect(JSON.parse(exported.body)).toMatchObject({ customer: { id: 'z-9' } });
    const noReason = await editor.post('/console/customers/z-9/erase', { reason: '' });
    expect(noReason.statusCode).toBe(400);
    expect(text(noReason.body)).toMatch(/reason: say why/);
    const erased = await editor.post('/console/customers/z-9/erase', { reason: 'erasure request' });
    expect(erased.headers.location).toBe('/console/customers?done=erased');
    expect(text((await editor.get('/console/customers?q=quill')).body)).toMatch(/No customer matches/);
    expect((await editor.get('/console/customers/z-9')).statusCode).toBe(404);
    const suppressions = await editor.get('/console/suppressions?q=zed');
    expect(text(suppressions.body)).toMatch(/zed.quill@example.com erased on request/);
    // The staff audit keeps who did what to which id, never the values: nothing else about them.
    const audited = JSON.stringify(await listStaffAudit(c.db.knex, 100)).toLowerCase();
    for (const trace of ['phoned us', 'zedekiah', 'shoe_size', 'erasure request'])
      expect(audited, trace).not.toContain(trace);
  });

  it('an editor lifts a suppression with a reason', async () => {
    const noReason = await editor.post('/console/suppressions/lift', {
      email: 'zed.quill@example.com',
      reason: '',
    });
    expect(noReason.statusCode).toBe(400);
    expect(text(noReason.body)).toMatch(/reason: say why/);
    const lifted = await editor.post('/console/suppressions/lift', {
      email: 'zed.quill@example.com',
      reason: 'asked again by mail',
    });
    expect(lifted.headers.location).toBe('/console/suppressions?done=lifted');
    expect(text((await editor.get('/console/suppressions?q=zed')).body)).toMatch(
      /No suppressed addresses match/,
    );
    const again = await editor.post('/console/suppressions/lift', {
      email: 'zed.quill@example.com',
      reason: 'x',
    });
    expect(again.headers.location).toBe('/console/suppressions?done=not-suppressed');
  });
});

describe.each(databases())('console lists paged on %s', (db) => {
  const url = db.fresh('file');
  let c: TestConsole;
  let viewer: Awaited<ReturnType<typeof session>>;

  beforeAll(async () => {
    c = await startTestConsole(url(), { pages: [...CONSOLE_PAGES] });
    const now = c.clock.now;
    const ids = Array.from({ length: 55 }, (_, i) => `p-${String(i).padStart(2, '0')}`);
    // Opted out at import: each birthday is planned and not sent, so nothing needs a relay.
    const people = ids.map((id) => customer(id, { birthday: '03-10', timezone: NY, subscribed: false }));
    await upsertCustomers(c.db.knex, people, now - DAY);
    await runOnce(c.rt);
    for (const id of ids)
      await addSuppression(c.db.knex, {
        email: `${id}@example.com`,
        reason: 'bounced',
        source: 'dsn',
        now,
      });
    await seedUser(c, 'vi@example.com', 'viewer');
    viewer = await session(c, 'vi@example.com');
  });
  afterAll(async () => {
    await c?.close();
  });

  it('pages the delivery log older and older, keeping the filters', async () => {
    const first = await viewer.get('/console/deliveries?status=suppressed');
    expect(first.body.match(/<tbody>[\s\S]*<\/tbody>/)?.[0].match(/<tr>/g)).toHaveLength(50);
    const older = /href="(\/console\/deliveries\?[^"]+)" rel="next"/
      .exec(first.body)?.[1]
      ?.replace(/&#38;/g, '&');
    expect(older).toMatch(/status=suppressed&before=\d+/);
    const second = await viewer.get(older as string);
    expect(second.body.match(/<tbody>[\s\S]*<\/tbody>/)?.[0].match(/<tr>/g)).toHaveLength(5);
    expect(second.body).not.toContain('rel="next"');
    expect(second.body).toContain('<a href="/console/deliveries?status=suppressed">← First page</a>');
    expect(text(second.body)).toMatch(/Newest first\./);
  });

  it('says a list in a range of due dates is in due order', async () => {
    const ranged = await viewer.get('/console/deliveries?status=suppressed&from=2000-01-01');
    expect(ranged.statusCode).toBe(200);
    expect(text(ranged.body)).toMatch(/Latest due first\./);
    expect(text(ranged.body)).not.toMatch(/Newest first/);
  });

  it('pages suppressions, and a viewer gets no lift forms', async () => {
    const first = await viewer.get('/console/suppressions');
    expect(first.body.match(/<tbody>[\s\S]*<\/tbody>/)?.[0].match(/<tr>/g)).toHaveLength(50);
    expect(first.body).not.toContain('action="/console/suppressions/lift"');
    expect(text(first.body)).toMatch(/viewer role/);
    const next = /href="(\/console\/suppressions\?[^"]+)" rel="next"/
      .exec(first.body)?.[1]
      ?.replace(/&#38;/g, '&');
    const second = await viewer.get(next as string);
    expect(text(second.body)).toMatch(/p-54@example.com/);
    expect(second.body.match(/<tbody>[\s\S]*<\/tbody>/)?.[0].match(/<tr>/g)).toHaveLength(5);
    expect(second.body).not.toContain('rel="next"');
  });
});
