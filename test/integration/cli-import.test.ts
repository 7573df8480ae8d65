/** Importing real exports from the command line, and what `check` says about the data. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTestConfig } from '../support/runtime.js';
import { cli } from '../support/cli.js';

function workspace(config: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-cli-import-'));
  const env = {
    RAPPORT_CONFIG: writeTestConfig(config),
    DATABASE_URL: `sqlite:${join(dir, 'rapport.db')}`,
    SMTP_URL: `file:${join(dir, 'outbox')}`,
    RAPPORT_SECRET: 'cli-test-secret-0123456789abcdef0123',
    RAPPORT_LOG_LEVEL: 'silent',
  };
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  return { dir, env, file };
}

describe('rapport import of real exports', () => {
  it('prints the mapping, takes --map and --map-file, and refuses ambiguous dates', async () => {
    const { env, file } = workspace();
    const shopify = file(
      'shopify.csv',
      'Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Total Spent,Tags\n' +
        '7001,Ann,Lee,ann@example.com,yes,120.50,"Regulars, Wholesale"\n',
    );
    const run = await cli(env, 'import', 'customers', shopify);
    expect(run.code).toBe(0);
    expect(run.out).toContain('"Accepts Email Marketing" → subscribed');
    expect(run.out).toContain('"Total Spent" → total_spent (attribute)');

    const odd = file('odd.csv', 'Ref;Contact\nx1;bob@example.com\n');
    expect((await cli(env, 'import', 'customers', odd)).code).toBe(1);
    expect((await cli(env, 'import', 'customers', odd, '--map', 'Ref=id,Contact=email')).code).toBe(0);
    const map = file('map.yaml', 'Ref: id\nContact: email\n');
    expect((await cli(env, 'import', 'customers', odd, '--map-file', map)).out).toContain('1 unchanged');

    const ambiguous = file('amb.csv', 'id,email,birthday\nc1,a@example.com,03/04/1990\n');
    const refused = await cli(env, 'import', 'customers', ambiguous);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('column "birthday" has dates such as "03/04/1990"');
    const read = await cli(env, 'import', 'customers', ambiguous, '--date-format', 'MM/DD/YYYY');
    expect(read.code).toBe(0);
  });

  it('says in the report which zone times without an offset were read in', async () => {
    const { env, file } = workspace({ business: { timezone: 'Europe/Berlin' } });
    await cli(env, 'import', 'customers', file('c.csv', 'id,email\nc1,a@example.com\n'));
    const run = await cli(
      env,
      'import',
      'events',
      file('e.csv', 'Order ID,Customer ID,Created at\no1,c1,2026-03-01 10:00\n'),
    );
    expect(run.code).toBe(0);
    expect(run.out).toContain(
      'times without an offset were read in Europe/Berlin (business.timezone): 1 values',
    );
    expect(run.out).toContain('(no type column) → type = purchase');
  });

  it('check warns about an event type no stored event has, compared without case', async () => {
    const { env, file } = workspace();
    await cli(env, 'import', 'customers', file('c.csv', 'id,email\nc1,a@example.com\n'));
    const before = await cli(env, 'check');
    expect(before.code).toBe(0);
    expect(before.err).toMatch(/warning: automations\[\d+\]\.on\.event: no stored event has type "purchase"/);
    await cli(
      env,
      'import',
      'events',
      file('e.csv', 'id,customer_id,type,occurred_at\ne1,c1,Purchase,2026-01-01T10:00:00Z\n'),
    );
    const after = await cli(env, 'check');
    expect(after.code).toBe(0);
    expect(after.err).not.toContain('no stored event');
  });
});
