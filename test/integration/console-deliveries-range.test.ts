/**
 * The delivery list within a range of due dates, on both databases: latest due first (id breaks
 * ties), every row of the range once across pages, none outside it, whichever filter goes with
 * the range (status, automation, customer, or none), and a cursor of the other order refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrations.js';
import { listDeliveries, type DeliveryListOptions } from '../../src/console/data/deliveries.js';
import { databases } from '../support/databases.js';

const HOUR = 3_600_000;
const BASE = Date.parse('2027-03-01T00:00:00Z');
const COUNT = 40;

interface Seeded {
  id: number;
  automation: string;
  customer: string;
  status: 'sent' | 'failed';
  due: number;
}

/** Row i is due at BASE + (i / 3) hours (three share each hour), inserted out of due order. */
function rowOf(i: number): Omit<Seeded, 'id'> {
  return {
    automation: i % 2 === 0 ? 'birthday' : 'anniversary',
    customer: `c-${i % 3}`,
    status: i % 4 === 0 ? 'failed' : 'sent',
    due: BASE + Math.floor(i / 3) * HOUR,
  };
}

async function seed(db: Database): Promise<Seeded[]> {
  const order = Array.from({ length: COUNT }, (_, i) => (i * 17) % COUNT);
  const seeded: Seeded[] = [];
  for (const i of order) {
    const r = rowOf(i);
    const [row] = (await db
      .knex('deliveries')
      .insert({
        automation_id: r.automation,
        customer_id: r.customer,
        occurrence: `o${i}`,
        status: r.status,
        trigger_at: r.due,
        due_at: r.due,
        available_at: r.due,
        attempts: r.status === 'sent' ? 1 : 0,
        sent_at: r.status === 'sent' ? r.due : null,
        created_at: BASE,
        updated_at: r.due,
      })
      .returning('id')) as Array<{ id: number } | number>;
    seeded.push({ ...r, id: typeof row === 'object' ? Number(row.id) : Number(row) });
  }
  return seeded;
}

/** Every page of a list, two rows at a time. */
async function allPages(db: Database, o: DeliveryListOptions): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await listDeliveries(db, { ...o, limit: 2, ...(cursor ? { cursor } : {}) });
    ids.push(...page.rows.map((r) => r.id));
    cursor = page.next;
  } while (cursor);
  return ids;
}

describe.each(databases())('deliveries in a range of due dates on %s', (tdb) => {
  const url = tdb.fresh('file');
  let db: Database;
  let rows: Seeded[];
  beforeAll(async () => {
    db = openDatabase(url());
    await migrate(db.knex);
    rows = await seed(db);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  const from = BASE + 2 * HOUR;
  const to = BASE + 9 * HOUR;
  const expected = (keep: (r: Seeded) => boolean) =>
    rows
      .filter((r) => r.due >= from && r.due < to && keep(r))
      .sort((a, b) => b.due - a.due || b.id - a.id)
      .map((r) => r.id);

  it.each([
    ['a status', { status: 'sent' }, (r: Seeded) => r.status === 'sent'],
    ['an automation', { automation: 'birthday' }, (r: Seeded) => r.automation === 'birthday'],
    [
      'an automation and a status',
      { automation: 'birthday', status: 'failed' },
      (r: Seeded) => r.automation === 'birthday' && r.status === 'failed',
    ],
    ['a customer', { customer: 'c-1' }, (r: Seeded) => r.customer === 'c-1'],
    ['nothing else', {}, () => true],
  ] as const)('pages %s latest due first, each row once', async (_, filter, keep) => {
    const want = expected(keep);
    expect(want.length).toBeGreaterThan(2);
    expect(await allPages(db, { ...filter, from, to })).toEqual(want);
  });

  it('keeps an open-ended range in due order too', async () => {
    expect(await allPages(db, { status: 'sent', from })).toEqual(
      rows
        .filter((r) => r.due >= from && r.status === 'sent')
        .sort((a, b) => b.due - a.due || b.id - a.id)
        .map((r) => r.id),
    );
  });

  it('refuses a cursor of the other order', async () => {
    const byId = await listDeliveries(db, { status: 'sent', limit: 2 });
    const byDue = await listDeliveries(db, { status: 'sent', from, to, limit: 2 });
    expect(byId.next).toMatch(/^\d+$/);
    expect(byDue.next).toMatch(/^\d+_\d+$/);
    await expect(
      listDeliveries(db, { status: 'sent', from, to, cursor: byId.next ?? '' }),
    ).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(listDeliveries(db, { status: 'sent', cursor: byDue.next ?? '' })).rejects.toMatchObject({
      code: 'E_USAGE',
    });
  });
});
