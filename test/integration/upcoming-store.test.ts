/**
 * The stored forecast behind the console's Upcoming page, on both databases: a build publishes
 * a generation whole and prunes the one before last; one builder at a time (the lease); the
 * daemon's refresher rebuilds when missing, stale, asked for or after an automation change;
 * the page shows the books over the stored lines; broadcasts are listed and skipped the same way.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBroadcast } from '../../src/broadcasts/service.js';
import { planBroadcasts } from '../../src/broadcasts/planner.js';
import { CONSOLE_PAGES } from '../../src/console/pages.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { listStaffAudit } from '../../src/db/staff-audit.js';
import { dayCounts } from '../../src/db/upcoming-lines.js';
import { linesTableOf } from '../../src/db/upcoming-schema.js';
import {
  nextGeneration,
  readUpcomingState,
  releaseUpcomingLease,
  requestUpcomingRefresh,
  takeUpcomingLease,
} from '../../src/db/upcoming-state.js';
import { seedIfEmpty } from '../../src/outreach/startup.js';
import { buildUpcoming } from '../../src/schedule/upcoming-build.js';
import { UpcomingRefresher } from '../../src/schedule/upcoming-refresher.js';
import { silentLogger } from '../../src/log.js';
import { databases } from '../support/databases.js';
import { customer } from '../support/records.js';
import { seedUser, session, startTestConsole, type TestConsole } from '../support/console.js';

const NOW = Date.parse('2027-03-10T15:00:00Z');
const NY = 'America/New_York';
const text = (body: string) =>
  body
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/\s+/g, ' ');

describe.each(databases())('the stored upcoming forecast on %s', (db) => {
  const url = db.fresh('test');
  let c: TestConsole;
  const build = (owner: string) => buildUpcoming(c.db, c.rt.config, { now: c.rt.now, owner, by: owner });
  const lines = async (generation: number) =>
    Number(
      (
        (await c.db.knex(linesTableOf(generation).table).where({ generation }).count({ n: '*' }).first()) as {
          n: unknown;
        }
      ).n,
    );

  beforeEach(async () => {
    c = await startTestConsole(url(), { pages: [...CONSOLE_PAGES] });
    c.clock.now = NOW;
    await upsertCustomers(
      c.db.knex,
      [
        customer('c-1', { birthday: '03-11', timezone: NY }),
        customer('c-2', { birthday: '03-12', timezone: NY }),
      ],
      NOW,
    );
  });
  afterEach(async () => {
    await c.close();
  });

  it('publishes a generation whole, counts it per day and automation, and prunes the one before last', async () => {
    const first = await build('w1');
    expect(first?.lines).toBeGreaterThan(0);
    const state = await readUpcomingState(c.db.knex);
    expect(state).toMatchObject({ generation: first?.generation, computedAt: NOW, computedBy: 'w1' });
    expect(state.leaseOwner).toBeNull();
    const counts = await dayCounts(c.db.knex, first?.generation as number);
    expect(counts).toContainEqual({ day: '2027-03-11', automation_id: 'birthday', sends: 1, held: 0 });

    await upsertCustomers(c.db.knex, [customer('c-3', { birthday: '03-11', timezone: NY })], NOW);
    const second = await build('w1');
    expect(await dayCounts(c.db.knex, second?.generation as number)).toContainEqual({
      day: '2027-03-11',
      automation_id: 'birthday',
      sends: 2,
      held: 0,
    });
    // The previous generation stays until the next build: a reader that just switched is safe.
    expect(await lines(first?.generation as number)).toBeGreaterThan(0);
    const third = await build('w1');
    expect(await lines(first?.generation as number)).toBe(0);
    expect(await lines(third?.generation as number)).toBe(second?.lines);
    expect(await lines(second?.generation as number)).toBe(second?.lines);
    // A build that died after taking a number: the next one still writes beside the current one.
    expect(await takeUpcomingLease(c.db.knex, 'w2', NOW, 60_000)).toBe(true);
    await nextGeneration(c.db.knex, 'w2');
    await releaseUpcomingLease(c.db.knex, 'w2');
    const fourth = await build('w1');
    expect(linesTableOf(fourth?.generation as number)).not.toBe(linesTableOf(third?.generation as number));
    expect(await lines(third?.generation as number)).toBe(third?.lines);
    expect(await lines(fourth?.generation as number)).toBe(third?.lines);
    expect(await lines(second?.generation as number)).toBe(0);
  });

  it('lets one builder build at a time, and frees the lease of one that died', async () => {
    const both = await Promise.all([build('w1'), build('w2')]);
    expect(both.filter((r) => r !== null)).toHaveLength(1);

    expect(await takeUpcomingLease(c.db.knex, 'dead', c.clock.now, 120_000)).toBe(true);
    expect(await build('w1')).toBeNull();
    c.clock.now += 120_001;
    expect(await build('w1')).not.toBeNull();
  });

  it('is rebuilt by the refresher when missing, stale, asked for, or after an automation change', async () => {
    const refresher = new UpcomingRefresher({
      db: c.db,
      config: () => c.rt.config,
      log: silentLogger,
      now: c.rt.now,
      workerId: 'w1',
    });
    expect(await refresher.check()).not.toBeNull();
    expect(await refresher.check()).toBeNull();
    c.clock.now += 10 * 60_000;
    expect(await refresher.check()).not.toBeNull();
    c.clock.now += 1_000;
    await requestUpcomingRefresh(c.db.knex, 'ed@corner.example', c.clock.now);
    expect(await refresher.check()).not.toBeNull();
    await c.db.knex('outreach_revision').update({ n: c.db.knex.raw('n + 1') });
    expect(await refresher.check()).not.toBeNull();
    expect(await refresher.check()).toBeNull();
    await refresher.stop();
  });

  it('says when there is no forecast yet; "Refresh now" is audited and asks the daemon', async () => {
    // A database whose last build took a minute is never forecast inside a request.
    await c.db.knex('upcoming_state').update({ build_ms: 60_000 });
    await seedUser(c, 'ed@corner.example', 'editor');
    await seedUser(c, 'vi@corner.example', 'viewer');
    const viewer = await session(c, 'vi@corner.example');
    const empty = await viewer.get('/console/upcoming');
    expect(text(empty.body)).toContain('No forecast has been computed yet');
    expect(empty.body).not.toContain('Refresh now');
    expect((await viewer.post('/console/upcoming/refresh', {})).statusCode).toBe(403);

    const editor = await session(c, 'ed@corner.example');
    const asked = await editor.post('/console/upcoming/refresh', {});
    expect(asked.headers.location).toBe('/console/upcoming?done=requested');
    expect((await listStaffAudit(c.db.knex, 1))[0]).toMatchObject({
      actor: 'ed@corner.example',
      action: 'upcoming.refresh',
    });
    const refresher = new UpcomingRefresher({
      db: c.db,
      config: () => c.rt.config,
      log: silentLogger,
      now: c.rt.now,
      workerId: 'w1',
    });
    await refresher.check();
    const page = text((await editor.get('/console/upcoming')).body);
    expect(page).toContain('Forecast as of 10:00 (America/New_York), refreshed every 10 minutes.');
    expect(page).toMatch(/c-1 c-1@example.com Thu 11 Mar, 09:00 \(UTC-5\) 2027-03-11 14:00 Skip/);
  });

  it('shows a send that went out since the forecast as sent, without rebuilding', async () => {
    await seedUser(c, 'ed@corner.example', 'editor');
    await build('w1');
    const line = (await c.db
      .knex('upcoming_lines')
      .where({ customer_id: 'c-1', automation_id: 'birthday' })
      .first()) as {
      occurrence: string;
      due_at: number;
    };
    const at = Number(line.due_at);
    await c.db.knex('deliveries').insert({
      automation_id: 'birthday',
      customer_id: 'c-1',
      occurrence: line.occurrence,
      status: 'sent',
      transactional: false,
      trigger_at: at,
      due_at: at,
      available_at: at,
      attempts: 1,
      sent_at: at,
      created_at: NOW,
      updated_at: at,
    });
    const page = text((await (await session(c, 'ed@corner.example')).get('/console/upcoming')).body);
    expect(page).toMatch(/c-1 c-1@example.com Thu 11 Mar, 09:00 \(UTC-5\) 2027-03-11 14:00 Sent/);
    expect(page).toMatch(/c-2 c-2@example.com Fri 12 Mar, 09:00 \(UTC-5\) 2027-03-12 14:00 Skip/);
  });

  it('lists planned broadcast sends and skips one like an automation send', async () => {
    await seedIfEmpty(c.rt);
    await seedUser(c, 'ed@corner.example', 'editor');
    const deps = { db: c.db, config: c.rt.config, now: c.rt.now };
    const b = await createBroadcast(
      deps,
      { template: 'we-miss-you', audience: {}, sendAt: { kind: 'at', time: '10:00', date: '2027-03-12' } },
      'ed@corner.example',
    );
    await build('w1');
    const editor = await session(c, 'ed@corner.example');
    const page = text((await editor.get('/console/upcoming')).body);
    const automation = `broadcast:${b.id}`;
    expect(page).toContain(`${automation} 2`);
    const done = await editor.post('/console/upcoming/skip', {
      automation,
      customer: 'c-2',
      occurrence: 'once',
      utc: '2027-03-12T15:00:00.000Z',
    });
    expect(done.headers.location).toBe('/console/upcoming?done=skipped');
    await planBroadcasts(c.db, c.rt.config, c.clock.now);
    const rows = await c.db.knex('deliveries').where({ automation_id: automation }).orderBy('customer_id');
    expect(rows.map((r: { customer_id: string; status: string }) => [r.customer_id, r.status])).toEqual([
      ['c-1', 'pending'],
      ['c-2', 'skipped'],
    ]);
    expect(text((await editor.get('/console/upcoming')).body)).toMatch(
      /c-2 c-2@example.com Fri 12 Mar, 10:00 \(UTC-5\) 2027-03-12 15:00 Skipped by ed@corner.example/,
    );
  });
});
