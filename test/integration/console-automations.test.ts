/**
 * The automations pages on both databases: the list in plain words, an edit or a switch on/off
 * previewed (adds, moves, cancels) and then confirmed with the exact definition, refusals that
 * name the field, viewers kept out of every change, and the CSRF and Origin checks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { FORM, form, seedUser, session, startTestConsole, type TestConsole } from '../support/console.js';
import { customer, purchase } from '../support/records.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { automationHistory, getStoredAutomation } from '../../src/db/automations.js';
import { listStaffAudit } from '../../src/db/staff-audit.js';
import { automationsPage } from '../../src/console/automations/page.js';

const HOUR = 3_600_000;
const text = (body: string) => body.replace(/\s+/g, ' ');
const unescape = (s: string) => s.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));

/** The hidden fields of the confirm form a preview shows. */
function confirmFields(body: string): { definition: string; base: string } {
  const definition = /name="definition" value="([^"]*)"/.exec(body)?.[1];
  const base = /name="base" value="([^"]*)"/.exec(body)?.[1];
  if (definition === undefined || base === undefined) throw new Error(`no confirm form in ${body}`);
  return { definition: unescape(definition), base: unescape(base) };
}

describe.each(databases())('console automations on %s', (database) => {
  const url = database.fresh('test');
  let c: TestConsole;
  afterEach(async () => c?.close());

  async function start() {
    c = await startTestConsole(url(), { pages: [automationsPage] });
    await seedUser(c, 'ed@corner.example', 'editor');
    await seedUser(c, 'vi@corner.example', 'viewer');
    // Purchases 1 and 2 days ago: how-did-it-go (7 days after, 10:00) goes in the next 7 days.
    await upsertCustomers(
      c.db.knex,
      [customer('ann', { timezone: 'America/New_York' }), customer('ben', { timezone: 'America/New_York' })],
      c.clock.now - 86_400_000,
    );
    await upsertEvents(
      c.db.knex,
      [purchase('o1', 'ann', c.clock.now - 24 * HOUR), purchase('o2', 'ben', c.clock.now - 48 * HOUR)],
      c.clock.now - 60_000,
    );
    return { ed: await session(c, 'ed@corner.example'), vi: await session(c, 'vi@corner.example') };
  }

  it('lists each automation in words, its template, audience, status and pending count', async () => {
    const { ed, vi } = await start();
    const page = text((await ed.get('/console/automations')).body);
    expect(page).toContain('1 week after each purchase, at the next 10:00 their time');
    expect(page).toContain('<a href="/console/templates/follow-up">follow-up</a>');
    expect(page).toContain('everyone subscribed');
    expect(page).toContain('aria-label="Disable how-did-it-go"');
    const viewer = text((await vi.get('/console/automations')).body);
    expect(viewer).toContain('1 week after each purchase');
    expect(viewer).not.toContain('<form method="post" action="/console/automations');
    const one = text((await vi.get('/console/automations/how-did-it-go')).body);
    expect(one).toContain('Editing needs the editor role');
    expect(one).not.toContain('Preview change');
  });

  it('previews disabling (what it cancels), then saves exactly that, re-planned, in the history and the audit', async () => {
    const { ed } = await start();
    const preview = await ed.post('/console/automations/how-did-it-go/preview', { enabled: 'false' });
    expect(preview.statusCode).toBe(200);
    expect(text(preview.body)).toMatch(/adds 0, moves 0 and cancels 2 deliveries/);
    expect((await getStoredAutomation(c.db.knex, 'how-did-it-go'))?.enabled).toBe(true);

    const saved = await ed.post('/console/automations/how-did-it-go/apply', confirmFields(preview.body));
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/console/automations/how-did-it-go?done=disabled');
    expect((await getStoredAutomation(c.db.knex, 'how-did-it-go'))?.enabled).toBe(false);
    expect(c.rt.config.automations.find((a) => a.id === 'how-did-it-go')?.enabled).toBe(false);
    const history = await automationHistory(c.db.knex, 'how-did-it-go');
    expect(history.map((h) => [h.action, h.author]).at(-1)).toEqual(['disabled', 'ed@corner.example']);
    const audits = await listStaffAudit(c.db.knex, 5);
    expect(audits.map((a) => [a.actor, a.action, a.target])).toContainEqual([
      'ed@corner.example',
      'automation.disabled',
      'how-did-it-go',
    ]);
    const after = text((await ed.get(saved.headers.location as string)).body);
    expect(after).toContain('role="status">Disabled');
    expect(after).toContain('Enable (preview)');
  });

  it('refuses an invalid timing naming the field, keeps what was typed, and stores nothing', async () => {
    const { ed } = await start();
    const refused = await ed.post('/console/automations/how-did-it-go/preview', { 'on.at': '25:00' });
    expect(refused.statusCode).toBe(400);
    expect(text(refused.body)).toMatch(/role="alert".*on\.at.*25:00/);
    expect(refused.body).toContain('value="25:00"');
    const duration = await ed.post('/console/automations/how-did-it-go/preview', { 'on.after': 'soon' });
    expect(text(duration.body)).toMatch(/on\.after/);
    expect((await automationHistory(c.db.knex, 'how-did-it-go')).length).toBe(1);
  });

  it('previews a valid edit (moves) before saving; a stale or tampered confirm is refused', async () => {
    const { ed } = await start();
    const preview = await ed.post('/console/automations/how-did-it-go/preview', {
      'on.after': '3d',
      'where.tags': 'vip, local',
    });
    expect(preview.statusCode).toBe(200);
    // Nobody is tagged: both go.
    expect(text(preview.body)).toMatch(/cancels 2/);
    const tagless = await ed.post('/console/automations/how-did-it-go/preview', { 'on.after': '3d' });
    expect(text(tagless.body)).toMatch(/adds 0, moves 2 and cancels 0/);
    const fields = confirmFields(tagless.body);

    const tampered = JSON.stringify({
      ...JSON.parse(fields.definition),
      on: { event: 'purchase', after: '3d', at: '25:00' },
    });
    const refused = await ed.post('/console/automations/how-did-it-go/apply', {
      ...fields,
      definition: tampered,
    });
    expect(refused.statusCode).toBe(400);
    expect(text(refused.body)).toContain('on.at');

    const saved = await ed.post('/console/automations/how-did-it-go/apply', fields);
    expect(saved.statusCode).toBe(303);
    expect((await getStoredAutomation(c.db.knex, 'how-did-it-go'))?.definition.on).toEqual({
      event: 'purchase',
      after: '3d',
      at: '10:00',
    });
    // The history: who, and the key before and after.
    const history = text((await ed.get('/console/automations/how-did-it-go')).body);
    expect(history).toMatch(/ed@corner\.example<\/td> ?<td>edited<\/td>/);
    expect(history).toMatch(/<code>on<\/code>: <del>[^<]*&#34;7d&#34;[^<]*<\/del> → <ins>[^<]*&#34;3d&#34;/);
    // The same confirm again: the automation changed since that preview.
    const stale = await ed.post('/console/automations/how-did-it-go/apply', fields);
    expect(stale.statusCode).toBe(409);
    expect(text(stale.body)).toContain('changed meanwhile');
  });

  it('answers 403 to a viewer, a missing CSRF token and another Origin, changing nothing', async () => {
    const { ed, vi } = await start();
    const preview = await ed.post('/console/automations/how-did-it-go/preview', { enabled: 'false' });
    const fields = confirmFields(preview.body);
    expect(
      (await vi.post('/console/automations/how-did-it-go/preview', { enabled: 'false' })).statusCode,
    ).toBe(403);
    expect((await vi.post('/console/automations/how-did-it-go/apply', fields)).statusCode).toBe(403);
    const noToken = await c.app.inject({
      method: 'POST',
      url: '/console/automations/how-did-it-go/apply',
      headers: { cookie: ed.cookie, ...FORM, origin: 'http://127.0.0.1:8080' },
      payload: form(fields),
    });
    expect(noToken.statusCode).toBe(403);
    const elsewhere = await ed.post('/console/automations/how-did-it-go/apply', fields, {
      origin: 'https://evil.example',
    });
    expect(elsewhere.statusCode).toBe(403);
    expect((await getStoredAutomation(c.db.knex, 'how-did-it-go'))?.enabled).toBe(true);
  });
});
