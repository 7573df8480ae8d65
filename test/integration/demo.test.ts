// `npm run demo` end to end, into a temp folder: seeding, a day of real planning and delivery,
// valid MIME in the outbox, and a replay of the same day that sends nothing twice.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import { countCustomers } from '../../src/db/customers.js';
import { listDeliveries, type DeliveryListRow } from '../../src/db/deliveries.js';
import { replayDemoDay, runDemo, type DemoOptions, type DemoResult } from '../../demo/demo.js';
import { silentLogger } from '../../src/log.js';

// A Monday afternoon in New York: the weekly digest is part of the day too.
const MONDAY = Date.parse('2025-06-09T18:00:00Z');

async function books(dbPath: string): Promise<{ customers: number; deliveries: DeliveryListRow[] }> {
  const db = openDatabase(`sqlite:${dbPath}`);
  try {
    return {
      customers: await countCustomers(db.knex),
      deliveries: await listDeliveries(db.knex, { limit: 100_000 }),
    };
  } finally {
    await db.close();
  }
}

const emlFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort();

const addressesOf = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));

describe('npm run demo', () => {
  let dir: string;
  let options: DemoOptions;
  let first: DemoResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapport-demo-'));
    options = {
      dbPath: join(dir, 'demo.db'),
      outboxDir: join(dir, 'outbox'),
      // A fixed key, so the test never writes data/secret in the working tree.
      env: { RAPPORT_SECRET: 'demo-test-signing-key-0123456789abcdef' },
      now: MONDAY,
      log: silentLogger,
    };
    first = await runDemo(options);
  }, 60_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('seeds about 200 customers through the real upserts', async () => {
    const { customers } = await books(options.dbPath as string);
    expect(customers).toBe(200);
    expect(first.seed?.customers).toBe(200);
    expect(first.seed?.zones).toBeGreaterThanOrEqual(25);
    expect(first.seed?.unsubscribed).toBeGreaterThan(0);
  });

  it('plans every seeded scenario and sends at least four kinds of mail', async () => {
    const { deliveries } = await books(options.dbPath as string);
    const planned = new Set(deliveries.map((d) => d.automation_id));
    for (const id of [
      'thank-you',
      'how-did-it-go',
      'birthday',
      'anniversary',
      'we-miss-you',
      'fifth-purchase',
      'weekly-digest',
    ]) {
      expect(planned, id).toContain(id);
    }
    const sentKinds = first.tally.automations.filter((a) => a.sent > 0).map((a) => a.id);
    expect(sentKinds.length).toBeGreaterThanOrEqual(4);
    expect(first.summary).toContain('npx rapport deliveries');
  });

  it('writes one valid MIME message per sent delivery, with unsubscribe headers on marketing mail', async () => {
    const { deliveries } = await books(options.dbPath as string);
    const sent = new Map(deliveries.filter((d) => d.status === 'sent').map((d) => [d.message_id, d]));
    const files = emlFiles(options.outboxDir as string);
    expect(files.length).toBeGreaterThan(0);
    expect(files).toHaveLength(sent.size);
    for (const file of files) {
      const mail = await simpleParser(readFileSync(join(options.outboxDir as string, file)));
      const row = sent.get(mail.messageId ?? '');
      expect(row, file).toBeDefined();
      expect(addressesOf(mail.from)).toEqual(['hello@corner.example']);
      expect(addressesOf(mail.to)).toEqual([row?.email]);
      expect(row?.email).toMatch(/@example\.(com|org|net)$/);
      expect(mail.subject).toBeTruthy();
      expect(mail.date?.getTime()).toBeGreaterThan(0);
      expect(mail.text?.trim()).toBeTruthy();
      expect(typeof mail.html === 'string' && mail.html.includes('<html')).toBe(true);
      // mailparser folds List-* headers into one `list` object: read the raw header lines instead.
      const raw = new Map(mail.headerLines.map((h) => [h.key, h.line.replace(/\r?\n\s+/g, ' ')]));
      if (row?.transactional) {
        expect(raw.has('list-unsubscribe'), file).toBe(false);
      } else {
        expect(raw.get('list-unsubscribe'), file).toMatch(/^List-Unsubscribe: <http[^>]+\/u\/[^>]+>$/);
        expect(raw.get('list-unsubscribe-post'), file).toBe(
          'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
        );
      }
    }
  });

  it('sends nothing twice when the same day is played again', async () => {
    const before = await books(options.dbPath as string);
    const again = await replayDemoDay(options);
    const after = await books(options.dbPath as string);
    expect(again.run.sent).toBe(0);
    expect(after.deliveries).toHaveLength(before.deliveries.length);
    expect(after.deliveries.filter((d) => d.status === 'sent')).toHaveLength(first.tally.sent);
    expect(emlFiles(options.outboxDir as string)).toHaveLength(first.files);
  });
});
