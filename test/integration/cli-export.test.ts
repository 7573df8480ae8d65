/** `rapport export`: what a spreadsheet or another import sees. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { writeTestConfig } from '../support/runtime.js';
import { csvCell } from '../../src/export/csv.js';

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-cli-export-'));
  const env = {
    RAPPORT_CONFIG: writeTestConfig(),
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

describe('rapport export', () => {
  it('neutralises cells a spreadsheet would run as formulas', () => {
    expect(['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx', 'plain', 'a,b', 'say "hi"'].map(csvCell)).toEqual([
      "'=1+1",
      "'+1",
      "'-2",
      "'@SUM(A1)",
      "'\tx",
      '"\'\rx"',
      'plain',
      '"a,b"',
      '"say ""hi"""',
    ]);
  });

  it('writes customers as CSV with attribute columns, and the file imports again unchanged', async () => {
    const { dir, env, file } = workspace();
    const source = file(
      'c.csv',
      'id,email,first_name,last_name,tags,drink\n' +
        'c1,ann@example.com,Ann,"=HYPERLINK(""http://x"",""y"")","vip;news",flat white\n' +
        'c2,bob@example.com,@Bob,,,\n',
    );
    expect((await cli(env, 'import', 'customers', source)).code).toBe(0);
    const out = join(dir, 'out.csv');
    const run = await cli(env, 'export', 'customers', '--out', out);
    expect(run.code).toBe(0);
    expect(run.err).toContain('customers: exported 2 rows');
    const lines = readFileSync(out, 'utf8').split('\r\n');
    expect(lines[0]).toBe(
      'id,email,first_name,last_name,birthday,timezone,locale,customer_since,tags,subscribed,country,region,drink',
    );
    expect(lines[1]).toBe(
      'c1,ann@example.com,Ann,"\'=HYPERLINK(""http://x"",""y"")",,,,,vip;news,true,,,flat white',
    );
    expect(lines[2]).toBe("c2,bob@example.com,'@Bob,,,,,,,true,,,");
    const jsonl = await cli(env, 'export', 'customers', '--format', 'jsonl');
    const again = file('again.jsonl', jsonl.out);
    // JSON Lines carry values as they are: importing the export back changes nothing.
    expect((await cli(env, 'import', 'customers', again)).out).toContain('0 new, 0 changed, 2 unchanged');
  });

  it('streams events and deliveries in pages', async () => {
    const { env, file } = workspace();
    await cli(env, 'import', 'customers', file('c.csv', 'id,email\nc1,a@example.com\n'));
    const rows = Array.from(
      { length: 2500 },
      (_, i) => `e${String(i).padStart(5, '0')},c1,visit,2026-01-01T10:00:00Z,${i}`,
    );
    await cli(
      env,
      'import',
      'events',
      file('e.csv', ['id,customer_id,type,occurred_at,n', ...rows].join('\n')),
    );
    const csv = await cli(env, 'export', 'events');
    const lines = csv.out.trim().split(/\r?\n/);
    expect(lines).toHaveLength(2501);
    expect(lines[0]).toBe('id,customer_id,type,occurred_at,n');
    expect(lines[2500]).toBe('e02499,c1,visit,2026-01-01T10:00:00.000Z,2499');
    const deliveries = await cli(env, 'export', 'deliveries', '--format', 'jsonl');
    expect(deliveries).toMatchObject({ code: 0, out: '' });
  });
});
