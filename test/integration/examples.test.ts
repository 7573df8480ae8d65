/** Every example file imports cleanly, in the order the examples README gives. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { REPO, writeTestConfig } from '../support/runtime.js';

describe('examples/', () => {
  it('imports every example without a rejected row or a warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-examples-'));
    const env = {
      RAPPORT_CONFIG: writeTestConfig(),
      DATABASE_URL: `sqlite:${join(dir, 'rapport.db')}`,
      SMTP_URL: `file:${join(dir, 'outbox')}`,
      RAPPORT_SECRET: 'examples-secret-0123456789abcdef012345',
      RAPPORT_LOG_LEVEL: 'silent',
    };
    const runs: Array<[string, string, number]> = [
      ['customers', 'customers.csv', 3],
      ['customers', 'customers-square-export.csv', 2],
      ['customers', 'customers-excel-semicolon.csv', 2],
      ['events', 'events.csv', 3],
      ['events', 'events.jsonl', 1],
      ['events', 'orders-shopify-export.csv', 2],
      ['content', 'content.csv', 2],
    ];
    for (const [kind, name, rows] of runs) {
      const run = await cli(env, 'import', kind, join(REPO, 'examples', name));
      expect({ name, code: run.code, err: run.err }).toEqual({ name, code: 0, err: '' });
      expect(run.out).toContain(`read ${rows} rows; imported ${rows} (${rows} new`);
    }
  });
});
