/**
 * `rapport broadcast` as a person types it, on both databases: a refused template named, a dry
 * run that creates nothing, create with its id and audience, list with counts, show, cancel.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { databases } from '../support/databases.js';
import { writeTestConfig } from '../support/runtime.js';

const PEOPLE =
  'id,email,tags,city,timezone\n' +
  'c1,c1@example.com,VIP,Paris,Europe/Paris\n' +
  'c2,c2@example.com,vip;gold,Lyon,Asia/Tokyo\n' +
  'c3,c3@example.com,other,Paris,\n';

function env(databaseUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-broadcast-'));
  writeFileSync(join(dir, 'people.csv'), PEOPLE);
  const vars = {
    RAPPORT_CONFIG: writeTestConfig({ automations: [] }),
    DATABASE_URL: databaseUrl,
    SMTP_URL: `file:${join(dir, 'outbox')}`,
    RAPPORT_SECRET: 'broadcast-test-secret-0123456789abcdef',
    RAPPORT_LOG_LEVEL: 'silent',
    USER: 'sam',
  };
  return { vars, people: join(dir, 'people.csv') };
}

describe.each(databases())('rapport broadcast on %s', (db) => {
  const url = db.fresh('test');

  it('creates, lists, shows and cancels; refuses what it cannot do, naming it', async () => {
    const { vars, people } = env(url());
    expect((await cli(vars, 'import', 'customers', people)).code).toBe(0);

    const missing = await cli(vars, 'broadcast', 'create', '--template', 'nope', '--tags', 'vip');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no published template "nope"');
    const badTime = await cli(vars, 'broadcast', 'create', '--template', 'we-miss-you', '--at', '25:00');
    expect(badTime.code).toBe(2);
    expect(badTime.err).toContain('--at: "25:00" is not a time (HH:MM)');

    const dry = await cli(
      vars,
      'broadcast',
      'create',
      '--template',
      'we-miss-you',
      '--tags',
      'vip',
      '--dry-run',
    );
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('audience: 2 customers (tags vip); nothing was created');
    expect(dry.out).toContain('Subject: ');
    const preview = await cli(
      vars,
      ...['broadcast', 'preview', '--template', 'we-miss-you', '--where-attr', 'city=Paris', '--json'],
    );
    expect(JSON.parse(preview.out)).toMatchObject({ audience: 2, sample_customer: 'c1' });
    expect((await cli(vars, 'broadcast', 'list', '--json')).out).toBe('');

    const created = await cli(
      vars,
      ...['broadcast', 'create', '--template', 'we-miss-you', '--tags', 'VIP', '--at', '10:00'],
      ...['--name', 'Spring sale', '--json'],
    );
    expect(created.code).toBe(0);
    const b = JSON.parse(created.out) as { id: number };
    expect(b).toMatchObject({
      name: 'Spring sale',
      audience: 2,
      send_at: '10:00',
      status: 'scheduled',
      created_by: 'sam',
      audience_filter: { tags: ['VIP'] },
    });
    const listed = await cli(vars, 'broadcast', 'list', '--json');
    expect(JSON.parse(listed.out)).toMatchObject({ id: b.id, sent: 0, pending: 0, skipped: 0, failed: 0 });
    expect((await cli(vars, 'broadcast', 'list')).out).toMatch(
      /Spring sale\s+we-miss-you\s+scheduled\s+10:00\s+2/,
    );

    const upcoming = await cli(vars, 'upcoming', '--days', '2', '--json');
    const lines = upcoming.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { automation: string; customer_id: string; local_time: string });
    expect(lines.filter((l) => l.automation === `broadcast:${b.id}`).map((l) => l.customer_id)).toEqual(
      expect.arrayContaining(['c1', 'c2']),
    );
    for (const l of lines) expect(l.local_time).toMatch(/T10:00:00/);

    const cancelled = await cli(vars, 'broadcast', 'cancel', String(b.id));
    expect(cancelled.code).toBe(0);
    expect(cancelled.out).toContain(`broadcast ${b.id} cancelled`);
    const shown = await cli(vars, 'broadcast', 'show', String(b.id), '--json');
    expect(JSON.parse(shown.out)).toMatchObject({ status: 'cancelled', cancelled_by: 'sam' });
    const again = await cli(vars, 'broadcast', 'cancel', String(b.id));
    expect(again.code).toBe(1);
    expect(again.err).toContain(`broadcast ${b.id} is already cancelled`);
    expect((await cli(vars, 'broadcast', 'cancel', '999')).err).toContain('no broadcast 999');
  });
});
