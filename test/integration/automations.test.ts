/**
 * Automations in the database: seeded from the config file, changed with a history, validated
 * as the file is, and picked up by a second worker within its poll, without a restart.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { openTestRuntime } from '../support/runtime.js';
import { customer, purchase } from '../support/records.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { automationHistory, listStoredAutomations } from '../../src/db/automations.js';
import { readRevision } from '../../src/db/outreach-revision.js';
import { runTick } from '../../src/schedule/tick.js';
import { runOnce } from '../../src/main.js';
import { AppError } from '../../src/errors.js';
import { automationDeps } from '../../src/outreach/automation-changes.js';
import {
  changeAutomation,
  differingFromFile,
  importAutomations,
  setAutomationEnabled,
} from '../../src/outreach/automations.js';
import { forecastAutomationChange } from '../../src/outreach/automation-forecast.js';
import { applyAutomationChange } from '../../src/outreach/automation-changes.js';
import type { DbRuntime } from '../../src/runtime.js';
import { Emitter, type AppEventMap } from '../../src/events.js';
import { nextEvent } from '../support/events.js';

// Wednesday 2027-03-10 15:00 UTC: 10:00 in New York.
const NOW = Date.parse('2027-03-10T15:00:00Z');
const HOUR = 3_600_000;

describe.each(databases())('automations on %s', (db) => {
  const url = db.fresh('test');
  let sink: SmtpSink;
  const open: DbRuntime[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  afterEach(async () => {
    for (const rt of open.splice(0)) await rt.close();
    sink.reset();
  });

  async function runtime(config: Record<string, unknown> = {}): Promise<DbRuntime> {
    const rt = await openTestRuntime({ databaseUrl: url(), smtpUrl: sink.url, now: () => NOW, config });
    open.push(rt);
    return rt;
  }

  it('seeds the file once; afterwards the database is the source and differences are reported', async () => {
    const first = await runtime();
    const ids = (await listStoredAutomations(first.db.knex)).map((s) => s.id);
    expect(ids).toEqual(first.loaded.rawAutomations.map((a) => (a as { id: string }).id));
    expect(ids).toContain('birthday');
    expect((await automationHistory(first.db.knex, 'birthday')).map((h) => [h.action, h.author])).toEqual([
      ['created', 'seed'],
    ]);
    const revision = await readRevision(first.db.knex);

    // The file now says something else about the birthday: not applied, but reported.
    const raw = first.loaded.rawAutomations.map((a) =>
      (a as { id: string }).id === 'birthday' ? { ...(a as object), template: 'anniversary' } : a,
    );
    const second = await runtime({ automations: raw });
    expect(second.config.automations.find((a) => a.id === 'birthday')?.template).toBe('birthday');
    expect(
      differingFromFile(second.loaded.rawAutomations, await listStoredAutomations(second.db.knex)),
    ).toEqual(['birthday']);
    expect(await readRevision(second.db.knex)).toBe(revision);
  });

  it('records edits, disabling and enabling with their author, and bumps the revision each time', async () => {
    const rt = await runtime();
    const deps = automationDeps(rt);
    const before = await readRevision(rt.db.knex);
    await changeAutomation(
      deps,
      'thank-you',
      (d) => ({ ...d, on: { event: 'purchase', after: '2h' } }),
      'ann',
    );
    await setAutomationEnabled(deps, 'thank-you', false, 'bob');
    await setAutomationEnabled(deps, 'thank-you', true, 'cy');
    // Nothing changes: no history, no revision.
    expect(await setAutomationEnabled(deps, 'thank-you', true, 'cy')).toBeNull();
    const history = await automationHistory(rt.db.knex, 'thank-you');
    expect(history.map((h) => [h.action, h.author])).toEqual([
      ['created', 'seed'],
      ['edited', 'ann'],
      ['disabled', 'bob'],
      ['enabled', 'cy'],
    ]);
    expect(history[1]?.before?.on).toEqual({ event: 'purchase', after: '1h' });
    expect(history[1]?.after?.on).toEqual({ event: 'purchase', after: '2h' });
    expect(history[2]?.after?.enabled).toBe(false);
    expect(await readRevision(rt.db.knex)).toBe(before + 3);
  });

  it('refuses an invalid import, naming the key, and changes nothing', async () => {
    const rt = await runtime();
    const deps = automationDeps(rt);
    const stored = await listStoredAutomations(rt.db.knex);
    const list = [
      { id: 'thank-you', on: { event: 'purchase', after: '3h' }, template: 'thank-you', transactional: true },
      { id: 'new-one', on: { birthday: true, at: '10:00' }, template: 'birthday' },
      { id: 'broken', on: { birthday: true, at: '25:00' }, template: 'birthday' },
    ];
    const error = await importAutomations(deps, list, 'ann').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).details).toEqual(['automations[2].on.at: "25:00" is not a time (HH:MM)']);
    expect(await listStoredAutomations(rt.db.knex)).toEqual(stored);

    const applied = await importAutomations(deps, list.slice(0, 2), 'ann');
    expect(applied).toEqual([
      { id: 'thank-you', action: 'imported' },
      { id: 'new-one', action: 'imported' },
    ]);
    // A second import of the same file changes nothing.
    expect(await importAutomations(deps, list.slice(0, 2), 'ann')).toEqual([]);
  });

  it('refuses an edit that does not validate, naming the automation and key', async () => {
    const rt = await runtime();
    const error = await changeAutomation(
      automationDeps(rt),
      'birthday',
      (d) => ({ ...d, on: { birthday: true, at: 'noon' } }),
      'ann',
    ).catch((e: unknown) => e);
    expect((error as AppError).details).toEqual(['automations.birthday.on.at: "noon" is not a time (HH:MM)']);
  });

  it('a second worker stops planning a disabled automation within its poll, and skips what was pending', async () => {
    const editor = await runtime();
    const worker = await runtime({ worker: { outreach_poll: '20ms' } });
    const events = new Emitter<AppEventMap>();
    worker.automations.reportTo(events);
    worker.automations.start();
    // Birthday today at 09:00 New York: due an hour ago.
    await upsertCustomers(
      worker.db.knex,
      [
        customer('ann', { birthday: '1990-03-10', timezone: 'America/New_York' }),
        customer('ben', { birthday: '1990-03-10', timezone: 'America/New_York' }),
      ],
      NOW - 86_400_000,
    );
    await runTick(worker.db, worker.config, NOW);
    expect((await listDeliveries(worker.db.knex, { automationId: 'birthday' })).map((d) => d.status)).toEqual(
      ['pending', 'pending'],
    );

    const disabled = nextEvent(events, 'automations:reloaded', 'the worker to reload the disabled set');
    await setAutomationEnabled(automationDeps(editor), 'birthday', false, 'ann');
    expect(await disabled).toEqual({ revision: await readRevision(editor.db.knex) });
    expect(worker.config.automations.find((a) => a.id === 'birthday')?.enabled).toBe(false);
    await upsertCustomers(
      worker.db.knex,
      [customer('cy', { birthday: '1990-03-10', timezone: 'America/New_York' })],
      NOW - 60_000,
    );
    await runTick(worker.db, worker.config, NOW + 60_000);
    const { batches } = await runOnce(worker);
    const birthdays = await listDeliveries(worker.db.knex, { automationId: 'birthday' });
    expect(birthdays.map((d) => [d.customer_id, d.status, d.reason])).toEqual([
      ['ann', 'skipped', 'automation-disabled'],
      ['ben', 'skipped', 'automation-disabled'],
    ]);
    expect(batches.reduce((n, b) => n + b.sent, 0)).toBe(0);

    // Enabled again: planned again from then on (cy's birthday is still within max_lateness).
    const enabled = nextEvent(events, 'automations:reloaded', 'the worker to reload the enabled set');
    await setAutomationEnabled(automationDeps(editor), 'birthday', true, 'ann');
    await enabled;
    expect(worker.config.automations.find((a) => a.id === 'birthday')?.enabled).toBe(true);
    await upsertCustomers(
      worker.db.knex,
      [customer('cy', { birthday: '1990-03-10', timezone: 'America/New_York', first_name: 'Cy' })],
      NOW + 90_000,
    );
    await runTick(worker.db, worker.config, NOW + 120_000);
    const again = await listDeliveries(worker.db.knex, { automationId: 'birthday', customerId: 'cy' });
    expect(again.map((d) => d.status)).toEqual(['pending']);
  });

  it('re-plans what is already planned when an automation changes, and plans it again when enabled', async () => {
    const rt = await runtime({ worker: { horizon: '7d' } });
    await upsertCustomers(
      rt.db.knex,
      [customer('ann', { timezone: 'UTC' }), customer('ben', { timezone: 'UTC', birthday: '1990-03-14' })],
      NOW - 86_400_000,
    );
    await upsertEvents(
      rt.db.knex,
      [purchase('o1', 'ann', NOW - 24 * HOUR), purchase('o2', 'ben', NOW - 48 * HOUR)],
      NOW - 60_000,
    );
    await setAutomationEnabled(automationDeps(rt), 'birthday', false, 'ann');
    await rt.automations.refresh();
    await runTick(rt.db, rt.config, NOW);
    const due = async (id: string) =>
      (await listDeliveries(rt.db.knex, { automationId: id })).map((d) => [
        d.customer_id,
        d.status,
        d.due_at,
      ]);
    // 7 days after each purchase (15:00), at the next 10:00.
    expect(await due('how-did-it-go')).toEqual([
      ['ann', 'pending', Date.parse('2027-03-17T10:00:00Z')],
      ['ben', 'pending', Date.parse('2027-03-16T10:00:00Z')],
    ]);
    expect(await due('birthday')).toEqual([]);

    const sooner = await applyAutomationChange(
      rt,
      'how-did-it-go',
      (d) => ({ ...d, on: { event: 'purchase', after: '3d', at: '10:00' } }),
      'ann',
    );
    expect(sooner?.replanned).toEqual({ inserted: 0, moved: 2, cancelled: 0 });
    expect(await due('how-did-it-go')).toEqual([
      ['ann', 'pending', Date.parse('2027-03-13T10:00:00Z')],
      ['ben', 'pending', Date.parse('2027-03-12T10:00:00Z')],
    ]);
    // Beyond what is planned: the pending rows go; the ticks plan them when their time comes near.
    const later = await applyAutomationChange(
      rt,
      'how-did-it-go',
      (d) => ({ ...d, on: { event: 'purchase', after: '10d', at: '10:00' } }),
      'ann',
    );
    expect(later?.replanned).toEqual({ inserted: 0, moved: 0, cancelled: 2 });
    expect(await due('how-did-it-go')).toEqual([]);

    // Enabled again: ben's birthday on the 14th, inside what is already planned, is planned now.
    const enabled = await applyAutomationChange(rt, 'birthday', (d) => ({ ...d, enabled: true }), 'ann');
    expect(enabled?.replanned).toEqual({ inserted: 1, moved: 0, cancelled: 0 });
    expect(await due('birthday')).toEqual([['ben', 'pending', Date.parse('2027-03-14T09:00:00Z')]]);
  });

  it('keeps the last good set when a stored definition does not validate', async () => {
    const rt = await runtime();
    const inUse = rt.config.automations;
    await rt.db
      .knex('automations')
      .where('id', 'birthday')
      .update({ definition: '{"id":"birthday","on":{}}' });
    await rt.db.knex('outreach_revision').where('id', 1).increment('n', 1);
    expect(await rt.automations.refresh()).toBe(false);
    expect(rt.config.automations).toBe(inUse);
  });

  it('forecasts what a change adds, moves and cancels over the next days', async () => {
    const rt = await runtime();
    await upsertCustomers(
      rt.db.knex,
      [customer('ann', { timezone: 'America/New_York' }), customer('ben', { timezone: 'America/New_York' })],
      NOW - 86_400_000,
    );
    // Purchases 1 and 2 days ago: how-did-it-go (7 days after, 10:00) goes in 6 and 5 days.
    await upsertEvents(
      rt.db.knex,
      [purchase('o1', 'ann', NOW - 24 * HOUR), purchase('o2', 'ben', NOW - 48 * HOUR)],
      NOW - 60_000,
    );
    const current = rt.config.automations.find((a) => a.id === 'how-did-it-go');
    if (!current) throw new Error('shipped config has no how-did-it-go');
    const moved = await forecastAutomationChange(rt, 'how-did-it-go', {
      ...current,
      on: { ...current.on, after: 3 * 24 * HOUR },
    });
    expect([moved.adds, moved.moves, moved.cancels]).toEqual([0, 2, 0]);
    // Disabled: both are cancelled.
    const off = await forecastAutomationChange(rt, 'how-did-it-go', { ...current, enabled: false });
    expect([off.adds, off.moves, off.cancels]).toEqual([0, 0, 2]);
    expect(off.samples.map((s) => [s.change, s.customer_id]).sort()).toEqual([
      ['cancel', 'ann'],
      ['cancel', 'ben'],
    ]);
    // 10 days after: both leave the 7-day window.
    const later = await forecastAutomationChange(rt, 'how-did-it-go', {
      ...current,
      on: { ...current.on, after: 10 * 24 * HOUR },
    });
    expect(later.cancels).toBe(2);
    // A new automation for everyone's purchase, an hour after: nothing (the purchases are past).
    const thanks = rt.config.automations.find((a) => a.id === 'thank-you');
    if (!thanks) throw new Error('shipped config has no thank-you');
    const added = await forecastAutomationChange(rt, 'late-thanks', {
      ...thanks,
      id: 'late-thanks',
      on: { event: 'purchase', after: 60 * HOUR },
    });
    expect([added.adds, added.moves, added.cancels]).toEqual([2, 0, 0]);
    expect(added.pending_affected).toBe(0);
  });
});
