/**
 * `rapport automations …` as a user runs them: list in plain words, set with a forecast,
 * history, export and import (refused with the key named, then applied), disable, and the
 * note `rapport check` gives when the file differs from the database.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { database } from '../support/databases.js';
import { writeTestConfig } from '../support/runtime.js';
import { cli } from '../support/cli.js';

const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('rapport automations', () => {
  const url = database('sqlite').fresh('test');

  function workspace() {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-acli-'));
    const env = {
      RAPPORT_CONFIG: writeTestConfig(),
      DATABASE_URL: url(),
      SMTP_URL: `file:${join(dir, 'outbox')}`,
      RAPPORT_SECRET: 'cli-test-secret-0123456789abcdef0123',
      RAPPORT_LOG_LEVEL: 'silent',
      USER: 'ann',
    };
    return { dir, env };
  }

  it('lists, changes with a forecast, keeps history, exports and imports all or nothing', async () => {
    const { dir, env } = workspace();
    const listed = lines((await cli(env, 'automations', 'list', '--json')).out);
    expect(listed).toContainEqual(
      expect.objectContaining({ id: 'thank-you', enabled: true, description: '1 hour after each purchase' }),
    );

    const set = await cli(env, 'automations', 'set', 'thank-you', 'on.after=2h', '--author', 'bob');
    expect(set).toMatchObject({ code: 0, out: 'thank-you: edited\n' });
    expect(set.err).toContain('2 hours after each purchase');
    expect(set.err).toMatch(/next 7 days: 0 more to send, 0 at another time, 0 no longer sent/);

    const bad = await cli(env, 'automations', 'set', 'thank-you', 'on.at=25:00');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('automations.thank-you.on.at: "25:00" is not a time (HH:MM)');

    expect((await cli(env, 'automations', 'disable', 'birthday', '--yes')).out).toBe('birthday: disabled\n');
    const history = lines((await cli(env, 'automations', 'history', 'thank-you', '--json')).out);
    expect(history.map((h) => [h.action, h.author])).toEqual([
      ['created', 'seed'],
      ['edited', 'bob'],
    ]);

    const file = join(dir, 'automations.yaml');
    expect((await cli(env, 'automations', 'export', file)).code).toBe(0);
    const exported = parse(readFileSync(file, 'utf8')) as { automations: Array<Record<string, unknown>> };
    expect(exported.automations.find((a) => a.id === 'birthday')?.enabled).toBe(false);
    expect(exported.automations.find((a) => a.id === 'thank-you')?.on).toEqual({
      event: 'purchase',
      after: '2h',
    });

    // Broken third entry: refused with its key, and the first entry's change is not applied.
    const changed = exported.automations.map((a) =>
      a.id === 'thank-you' ? { ...a, template: 'birthday' } : a,
    );
    changed[2] = { ...changed[2], on: { birthday: true, at: 'noon' } };
    writeFileSync(file, stringify({ automations: changed }));
    const refused = await cli(env, 'automations', 'import', file);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('automations[2].on.at: "noon" is not a time (HH:MM)');
    expect((await cli(env, 'automations', 'show', 'thank-you', '--json')).out).toContain(
      '"template":"thank-you"',
    );

    changed[2] = exported.automations[2] as Record<string, unknown>;
    writeFileSync(file, stringify({ automations: changed }));
    const imported = await cli(env, 'automations', 'import', file, '--json');
    expect(lines(imported.out)).toEqual([
      { id: 'thank-you', action: 'imported', replanned: { inserted: 0, moved: 0, cancelled: 0 } },
    ]);

    // The config file still says thank-you is an hour after: check notes it, start would not apply it.
    const check = await cli(env, 'check');
    expect(check.code).toBe(0);
    expect(check.out).toContain('database: 8 automations ok');
    expect(check.err).toContain("the file's differ for: thank-you, birthday");
  });

  it('names an unknown automation and the ones there are', async () => {
    const { env } = workspace();
    const run = await cli(env, 'automations', 'enable', 'nope');
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/no automation "nope" \(there are: thank-you, how-did-it-go, birthday/);
  });
});
