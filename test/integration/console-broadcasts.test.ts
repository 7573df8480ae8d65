/**
 * The broadcasts pages on both databases: a new broadcast previewed (audience count, a sample in
 * a sandbox) before it is created, refusals naming the field, the detail by status, cancel, and
 * viewers kept to reading.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { seedUser, session, startTestConsole, type TestConsole } from '../support/console.js';
import { customer } from '../support/records.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { listStaffAudit } from '../../src/db/staff-audit.js';
import { listBroadcasts } from '../../src/broadcasts/service.js';
import { seedIfEmpty } from '../../src/outreach/startup.js';
import { planBroadcasts } from '../../src/broadcasts/planner.js';
import { broadcastsPage } from '../../src/console/broadcasts/page.js';

const text = (body: string) =>
  body.replace(/\s+/g, ' ').replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));

const VIP_AT_TEN = { name: 'Spring sale', template: 'thank-you', tags: 'vip', when: 'at', time: '10:00' };

describe.each(databases())('console broadcasts on %s', (database) => {
  const url = database.fresh('test');
  let c: TestConsole;
  afterEach(async () => c?.close());

  async function start() {
    c = await startTestConsole(url(), { pages: [broadcastsPage] });
    await seedIfEmpty(c.rt);
    await seedUser(c, 'ed@corner.example', 'editor');
    await seedUser(c, 'vi@corner.example', 'viewer');
    await upsertCustomers(
      c.db.knex,
      [
        customer('ann', { tags: ['vip'], first_name: 'Ann', timezone: 'Europe/Paris' }),
        customer('ben', { tags: ['local'] }),
      ],
      c.clock.now - 86_400_000,
    );
    return { ed: await session(c, 'ed@corner.example'), vi: await session(c, 'vi@corner.example') };
  }

  it('previews the audience and a sandboxed sample, then creates, shows and cancels, audited', async () => {
    const { ed } = await start();
    const form = text((await ed.get('/console/broadcasts/new')).body);
    expect(form).toContain('<option value="thank-you"');
    expect(form).not.toContain('Create broadcast');

    const preview = await ed.post('/console/broadcasts/new', { ...VIP_AT_TEN, action: 'preview' });
    expect(preview.statusCode).toBe(200);
    const page = text(preview.body);
    expect(page).toContain('1 customer is in this audience now.');
    expect(page).toContain('rendered for ann');
    expect(page).toContain('Create broadcast');
    const src = /<iframe[^>]*sandbox=""[^>]*src="([^"]+)"/.exec(page)?.[1];
    expect(src).toBeDefined();
    const sample = await ed.get((src as string).replace(/&#38;/g, '&'));
    expect(sample.statusCode).toBe(200);
    expect(sample.headers['content-security-policy']).toBe(
      "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: https:",
    );
    expect(sample.body).toContain('Ann');
    const missing = await ed.get('/console/broadcasts/sample?template=nope');
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('no published template "nope"');

    const created = await ed.post('/console/broadcasts/new', { ...VIP_AT_TEN, action: 'create' });
    expect(created.statusCode).toBe(303);
    const [b] = await listBroadcasts(c.deps);
    expect(b).toMatchObject({ name: 'Spring sale', audienceCount: 1, createdBy: 'ed@corner.example' });
    expect(b?.sendAt).toEqual({ kind: 'at', time: '10:00', date: null });
    expect(created.headers.location).toBe(`/console/broadcasts/${b?.id}?done=created`);
    const detail = text((await ed.get(created.headers.location as string)).body);
    expect(detail).toContain('Created; the daemon plans it');
    expect(detail).toContain('tags vip (1 when created)');
    expect(detail).toContain('data-confirm="Cancel broadcast Spring sale?');
    expect(text((await ed.get('/console/broadcasts')).body)).toContain('Spring sale');

    // Once planned, the deliveries are counted by the customer's zone.
    await planBroadcasts(c.db, c.rt.config, c.clock.now);
    const planned = text((await ed.get(`/console/broadcasts/${b?.id}`)).body);
    expect(planned).toMatch(/By zone.*<th scope="row">Europe\/Paris<\/th> ?<td>1<\/td>/);

    const cancelled = await ed.post(`/console/broadcasts/${b?.id}/cancel`, {});
    expect(cancelled.statusCode).toBe(303);
    expect(text((await ed.get(cancelled.headers.location as string)).body)).toContain('cancelled');
    const again = await ed.post(`/console/broadcasts/${b?.id}/cancel`, {});
    expect(again.statusCode).toBe(409);
    expect(text(again.body)).toContain('already cancelled');
    const audits = (await listStaffAudit(c.db.knex, 5)).map((a) => a.action);
    expect(audits).toEqual(expect.arrayContaining(['broadcast.create', 'broadcast.cancel']));
  });

  it('refuses a bad form naming the field and creates nothing', async () => {
    const { ed } = await start();
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ ...VIP_AT_TEN, tags: '' }, /audience: give tags or attributes/],
      [{ ...VIP_AT_TEN, time: '25:00' }, /time: "25:00" is not a time/],
      [{ ...VIP_AT_TEN, date: '2027-02-30' }, /date: "2027-02-30" is not a date/],
      [{ ...VIP_AT_TEN, date: '2020-01-01' }, /date 2020-01-01 time 10:00 has passed/],
      [{ ...VIP_AT_TEN, template: '' }, /template: choose a template/],
      [{ ...VIP_AT_TEN, template: 'nope' }, /no published template "nope"/],
      [
        { ...VIP_AT_TEN, tags: '', attributes: 'no equals sign' },
        /attributes: "no equals sign" is not NAME=VALUE/,
      ],
      [{ ...VIP_AT_TEN, everyone: 'yes' }, /audience: "everyone subscribed" is ticked/],
    ];
    for (const [fields, message] of cases) {
      const res = await ed.post('/console/broadcasts/new', { ...fields, action: 'create' });
      expect(res.statusCode, JSON.stringify(fields)).toBe(400);
      expect(text(res.body)).toMatch(message);
      // What was typed stays in the form.
      expect(res.body).toContain(`value="${fields.time}"`);
    }
    expect(await listBroadcasts(c.deps)).toEqual([]);
    const everyone = await ed.post('/console/broadcasts/new', {
      template: 'thank-you',
      everyone: 'yes',
      when: 'now',
      action: 'preview',
    });
    expect(text(everyone.body)).toContain('2 customers are in this audience now.');
  });

  it('lets a viewer read but not create or cancel; forged posts get 403', async () => {
    const { ed, vi } = await start();
    await ed.post('/console/broadcasts/new', { ...VIP_AT_TEN, action: 'create' });
    const [b] = await listBroadcasts(c.deps);
    const list = text((await vi.get('/console/broadcasts')).body);
    expect(list).toContain('Spring sale');
    expect(list).not.toContain('New broadcast</a>');
    const detail = text((await vi.get(`/console/broadcasts/${b?.id}`)).body);
    expect(detail).not.toContain('Cancel broadcast');
    expect((await vi.get('/console/broadcasts/new')).statusCode).toBe(403);
    expect((await vi.post('/console/broadcasts/new', { ...VIP_AT_TEN, action: 'create' })).statusCode).toBe(
      403,
    );
    expect((await vi.post(`/console/broadcasts/${b?.id}/cancel`, {})).statusCode).toBe(403);
    expect(
      (await ed.post(`/console/broadcasts/${b?.id}/cancel`, {}, { origin: 'https://evil.example' }))
        .statusCode,
    ).toBe(403);
    expect((await listBroadcasts(c.deps)).map((x) => x.status)).toEqual(['scheduled']);
    expect((await vi.get('/console/broadcasts/999')).statusCode).toBe(404);
  });
});
