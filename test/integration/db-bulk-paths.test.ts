/**
 * The two set-based paths, on SQLite and Postgres: customers of several zones paged
 * zone by zone (each an index range in id order), and sent outcomes recorded in one statement —
 * still only for rows this worker holds.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrations.js';
import { iterateCustomers, upsertCustomers } from '../../src/db/customers.js';
import {
  claimDue,
  insertPlanned,
  listDeliveries,
  recordOutcomes,
  type DeliveryOutcome,
} from '../../src/db/deliveries.js';
import { getMessage, type MessageRecord } from '../../src/db/delivery-messages.js';
import type { CustomerInput } from '../../src/domain.js';
import { customer as record } from '../support/records.js';
import type { PlannedDelivery } from '../../src/plan/types.js';

const NOW = Date.parse('2027-03-01T12:00:00Z');
const ZONES = ['Europe/Paris', 'Asia/Tokyo', null, 'America/Havana'];

function customer(n: number): CustomerInput {
  return record(`c${String(n).padStart(4, '0')}`, {
    email: `c${n}@example.com`,
    first_name: null,
    birthday: `1990-0${1 + (n % 3)}-1${n % 2}`,
    timezone: ZONES[n % ZONES.length] as string | null,
  });
}

function planned(customerId: string): PlannedDelivery {
  return {
    automationId: 'birthday',
    customerId,
    occurrence: '2027',
    triggerAt: NOW - 60_000,
    dueAt: NOW - 60_000,
    localTime: '2027-03-01T12:59:00+01:00',
    eventId: null,
    transactional: false,
    status: 'pending',
    reason: null,
  };
}

describe.each(databases())('set-based paths on %s', (dbName) => {
  const url = dbName.fresh('test');
  let db: Database | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  async function open(): Promise<Database> {
    db = openDatabase(url());
    await migrate(db.knex);
    await upsertCustomers(
      db.knex,
      Array.from({ length: 230 }, (_, n) => customer(n)),
      NOW,
    );
    return db;
  }

  it('pages several zones one at a time, each in id order, every customer once', async () => {
    const { knex } = await open();
    const entries = [
      { zone: 'Europe/Paris', monthDays: null },
      { zone: null, monthDays: null },
      { zone: 'Asia/Tokyo', monthDays: [110, 211] },
    ];
    const pages: string[][] = [];
    for await (const page of iterateCustomers(knex, { kind: 'zoned', column: 'birth_md', entries }, 7)) {
      pages.push(page.map((c) => c.id));
    }
    const ids = pages.flat();
    const expected = Array.from({ length: 230 }, (_, n) => customer(n))
      .filter((c) =>
        c.timezone === 'Europe/Paris' || c.timezone === null
          ? true
          : c.timezone === 'Asia/Tokyo' && ['01-10', '02-11'].includes((c.birthday as string).slice(5)),
      )
      .map((c) => c.id);
    expect([...ids].sort()).toEqual([...expected].sort());
    expect(new Set(ids).size).toBe(ids.length);
    for (const page of pages) expect(page).toEqual([...page].sort());
  });

  it('records a sent outcome on a row whose lease ran out and went back to pending: it is not sent again', async () => {
    const { knex, dialect } = await open();
    await insertPlanned(knex, ['c0001'].map(planned), NOW);
    const [row] = await claimDue(knex, dialect, { workerId: 'me', now: NOW, leaseMs: 60_000, limit: 10 });
    // The database was away for longer than the lease; the row was released meanwhile.
    await knex('deliveries')
      .where('id', row?.id)
      .update({ status: 'pending', locked_by: null, locked_until: null });
    const sent: DeliveryOutcome = {
      id: row?.id as number,
      status: 'sent',
      messageId: '<m@example.com>',
      sentAt: NOW + 5,
    };
    expect(await recordOutcomes(knex, 'me', [sent], NOW + 1000)).toBe(1);
    const [after] = await listDeliveries(knex, {});
    expect(after).toMatchObject({ status: 'sent', message_id: '<m@example.com>', sent_at: NOW + 5 });
    expect(
      await claimDue(knex, dialect, { workerId: 'other', now: NOW + 2000, leaseMs: 60_000, limit: 10 }),
    ).toEqual([]);
  });

  it('records other outcomes grouped by their change: released rows lose the attempt, each keeps its own values', async () => {
    const { knex, dialect } = await open();
    await insertPlanned(knex, ['c0001', 'c0002', 'c0003', 'c0004', 'c0005'].map(planned), NOW);
    const rows = await claimDue(knex, dialect, { workerId: 'me', now: NOW, leaseMs: 60_000, limit: 10 });
    const [a, b, c, d, e] = rows.map((r) => r.id) as [number, number, number, number, number];
    const outcomes: DeliveryOutcome[] = [
      { id: a, status: 'released' },
      { id: b, status: 'released' },
      { id: c, status: 'skipped', reason: 'exit-condition', error: null },
      { id: d, status: 'deferred', availableAt: NOW + 5_000, reason: 'frequency-cap' },
      { id: e, status: 'pending', availableAt: NOW + 9_000, error: '451 later' },
    ];
    expect(await recordOutcomes(knex, 'me', outcomes, NOW + 1000)).toBe(5);
    const books = new Map((await listDeliveries(knex, {})).map((r) => [r.id, r]));
    for (const id of [a, b])
      expect(books.get(id)).toMatchObject({ status: 'pending', attempts: 0, locked_by: null });
    expect(books.get(c)).toMatchObject({ status: 'skipped', reason: 'exit-condition', locked_by: null });
    expect(books.get(d)).toMatchObject({
      status: 'pending',
      attempts: 0,
      available_at: NOW + 5_000,
      reason: 'frequency-cap',
    });
    expect(books.get(e)).toMatchObject({
      status: 'pending',
      attempts: 1,
      available_at: NOW + 9_000,
      error: '451 later',
    });
  });

  it('records sent outcomes in bulk, only for rows this worker still holds', async () => {
    const { knex, dialect } = await open();
    await insertPlanned(knex, ['c0001', 'c0002', 'c0003', 'c0004'].map(planned), NOW);
    const rows = await claimDue(knex, dialect, { workerId: 'me', now: NOW, leaseMs: 60_000, limit: 10 });
    expect(rows).toHaveLength(4);
    // The lease on the third row ran out and another worker took it over.
    const taken = rows[2]?.id as number;
    await knex('deliveries').where('id', taken).update({ locked_by: 'other' });
    const outcomes: DeliveryOutcome[] = rows.map((r, i) => ({
      id: r.id,
      status: 'sent',
      messageId: `<m${i}@example.com>`,
      sentAt: NOW + i,
    }));
    outcomes[3] = {
      id: rows[3]?.id as number,
      status: 'pending',
      availableAt: NOW + 600_000,
      error: '451 try later',
    };
    expect(await recordOutcomes(knex, 'me', outcomes, NOW + 1000)).toBe(3);
    const books = new Map((await listDeliveries(knex, {})).map((r) => [r.id, r]));
    for (const i of [0, 1]) {
      const r = books.get(rows[i]?.id as number);
      expect(r).toMatchObject({
        status: 'sent',
        message_id: `<m${i}@example.com>`,
        sent_at: NOW + i,
        locked_by: null,
        locked_until: null,
        updated_at: NOW + 1000,
        error: null,
      });
    }
    expect(books.get(taken)).toMatchObject({ status: 'sending', locked_by: 'other', sent_at: null });
    expect(books.get(rows[3]?.id as number)).toMatchObject({
      status: 'pending',
      available_at: NOW + 600_000,
      error: '451 try later',
    });
  });
  function copyOf(text: string): MessageRecord {
    const mime = Buffer.from(text);
    return {
      template: 'birthday',
      templateVersionId: null,
      templateVersion: null,
      requestedLocale: null,
      resolvedLocale: 'en',
      subject: text,
      mimeSha256: createHash('sha256').update(mime).digest('hex'),
      mimeGzip: gzipSync(mime),
    };
  }

  it('records a write of sends alone with their copies at once; a failing copy keeps every row as it was', async () => {
    const { knex, dialect } = await open();
    await insertPlanned(knex, ['c0001', 'c0002', 'c0003', 'c0004'].map(planned), NOW);
    const rows = await claimDue(knex, dialect, { workerId: 'me', now: NOW, leaseMs: 60_000, limit: 10 });
    const [a, b, c, d] = rows.map((r) => r.id) as [number, number, number, number];
    await knex('deliveries').where('id', b).update({ locked_by: 'other' });
    const sent = (id: number, record: MessageRecord): DeliveryOutcome => ({
      id,
      status: 'sent',
      messageId: `<${id}@example.com>`,
      sentAt: NOW + id,
      record,
    });
    expect(
      await recordOutcomes(knex, 'me', [sent(a, copyOf('to a')), sent(b, copyOf('to b'))], NOW + 1000),
    ).toBe(1);
    expect((await getMessage(knex, a))?.mime.toString()).toBe('to a');
    // Written again (a retried write): nothing changes, the first copy stands.
    expect(await recordOutcomes(knex, 'me', [sent(a, copyOf('again'))], NOW + 2000)).toBe(0);
    expect((await getMessage(knex, a))?.mime.toString()).toBe('to a');

    const broken = { ...copyOf('to d'), resolvedLocale: null as unknown as string };
    await expect(
      recordOutcomes(knex, 'me', [sent(c, copyOf('to c')), sent(d, broken)], NOW + 3000),
    ).rejects.toThrow();
    const books = new Map((await listDeliveries(knex, {})).map((r) => [r.id, r]));
    expect(books.get(a)).toMatchObject({
      status: 'sent',
      message_id: `<${a}@example.com>`,
      updated_at: NOW + 1000,
    });
    expect(books.get(b)).toMatchObject({ status: 'sending', locked_by: 'other' });
    for (const id of [c, d]) expect(books.get(id)).toMatchObject({ status: 'sending', locked_by: 'me' });
    expect(await getMessage(knex, c)).toBeUndefined();
    // The connection went back to the pool: the same write without the broken copy goes through.
    expect(
      await recordOutcomes(knex, 'me', [sent(c, copyOf('to c')), sent(d, copyOf('to d'))], NOW + 4000),
    ).toBe(2);
    expect((await getMessage(knex, d))?.mime.toString()).toBe('to d');
  });
});
