/**
 * `rapport templates …` and preview/send-test options, as a user runs them, on both databases:
 * export, edit, import (only real changes), history, diff, a refused broken import, publish,
 * restore, drafts, and previews by language, version, event and real digest items.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { writeTestConfig } from '../support/runtime.js';
import { cli } from '../support/cli.js';

const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe.each(databases())('rapport templates on %s', (db) => {
  const url = db.fresh('test');

  function workspace() {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-tcli-'));
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

  it('exports, imports real changes only, shows history and diffs, refuses a broken version, restores', async () => {
    const { dir, env } = workspace();
    const seeded = lines((await cli(env, 'templates', 'list', '--json')).out);
    expect(seeded).toContainEqual({
      template: 'birthday',
      kind: 'template',
      locale: null,
      published_version: 1,
      latest_version: 1,
    });
    expect(seeded).toContainEqual(
      expect.objectContaining({ template: 'partial:footer', published_version: 1 }),
    );

    const out = join(dir, 'export');
    expect((await cli(env, 'templates', 'export', out)).out).toMatch(/^exported \d+ published templates/);
    const subject = join(out, 'birthday', 'subject.hbs');
    const original = readFileSync(subject, 'utf8');
    writeFileSync(subject, 'Happy birthday, {{customer.first_name}}! 🎂');
    mkdirSync(join(out, 'birthday', 'de'));
    writeFileSync(join(out, 'birthday', 'de', 'subject.hbs'), 'Alles Gute, {{customer.first_name}}!');
    writeFileSync(join(out, 'birthday', 'de', 'html.hbs'), '<p>Alles Gute zum Geburtstag!</p>');
    const imported = await cli(env, 'templates', 'import', out, '--json');
    expect(imported.code).toBe(0);
    expect(lines(imported.out)).toEqual([
      { template: 'birthday', locale: null, version: 2, published: true, problems: [] },
      { template: 'birthday', locale: 'de', version: 1, published: true, problems: [] },
    ]);
    expect((await cli(env, 'templates', 'import', out)).out).toMatch(/0 new versions, \d+ unchanged/);

    const history = lines(
      (await cli(env, 'templates', 'history', 'birthday', '--locale', 'default', '--json')).out,
    );
    expect(history.map((h) => [h.version, h.published, h.author])).toEqual([
      [1, false, 'templates folder'],
      [2, true, 'ann'],
    ]);
    const diff = (await cli(env, 'templates', 'diff', 'birthday', '1', '2')).out;
    expect(diff).toContain(`-${original.trim()}`);
    expect(diff).toContain('+Happy birthday, {{customer.first_name}}! 🎂');
    const v1 = JSON.parse(
      (await cli(env, 'templates', 'show', 'birthday', '--version', '1', '--json')).out,
    ) as { subject: string };
    expect(v1.subject).toBe(original);

    writeFileSync(join(out, 'birthday', 'html.hbs'), '<p>{{#if customer.first_name}}never closed</p>\n');
    const broken = await cli(env, 'templates', 'import', out);
    expect(broken.code).toBe(3);
    expect(broken.out).toContain('birthday (default) v3 not published');
    expect(broken.err).toMatch(/templates\/birthday\/html\.hbs:\d+: syntax error/);
    const publish = await cli(env, 'templates', 'publish', 'birthday', '3');
    expect(publish.code).toBe(1);
    expect(publish.err).toContain('cannot be published');
    expect(lines((await cli(env, 'templates', 'list', '--json')).out)).toContainEqual(
      expect.objectContaining({
        template: 'birthday',
        locale: null,
        published_version: 2,
        latest_version: 3,
      }),
    );

    const restored = await cli(env, 'templates', 'restore', 'birthday', '1', '--author', 'bob');
    expect(restored).toMatchObject({ code: 0 });
    expect(restored.out).toContain('v4 restored from v1');
    const shown = await cli(env, 'templates', 'show', 'birthday');
    expect(shown.out).toContain('v4 by bob');
    expect((await cli(env, 'preview', 'birthday')).out).toContain(
      `Subject: ${original.trim().replace('{{#if customer.first_name}}, {{customer.first_name}}{{/if}}', ', Maya')}`,
    );

    writeFileSync(join(out, 'birthday', 'html.hbs'), '<p>draft only</p>');
    expect((await cli(env, 'templates', 'import', out, '--draft')).out).toContain('v5 saved as a draft');
    expect((await cli(env, 'preview', 'birthday', '--format', 'html')).out).not.toContain('draft only');
    expect((await cli(env, 'preview', 'birthday', '--version', '5', '--format', 'html')).out).toContain(
      'draft only',
    );
    expect((await cli(env, 'templates', 'show', 'nope')).code).toBe(1);
    expect((await cli(env, 'templates', 'diff', 'birthday', '1', 'x')).code).toBe(2);
  });

  it('previews in a language, with a real event, and with the digest items a customer would get', async () => {
    const { dir, env } = workspace();
    const exp = join(dir, 'export');
    await cli(env, 'templates', 'export', exp);
    mkdirSync(join(exp, 'birthday', 'de'));
    writeFileSync(join(exp, 'birthday', 'de', 'subject.hbs'), 'Alles Gute, {{customer.first_name}}!');
    writeFileSync(join(exp, 'birthday', 'de', 'html.hbs'), '<p>{{formatMoney 1234.5 "EUR"}}</p>');
    writeFileSync(join(exp, 'thank-you', 'subject.hbs'), 'Thanks for order {{event.id}}');
    expect((await cli(env, 'templates', 'import', exp)).code).toBe(0);

    const de = await cli(env, 'preview', 'birthday', '--locale', 'de-AT', '--format', 'eml');
    expect(de.out).toMatch(/^Subject: Alles Gute, Maya!$/m);
    expect(de.out).toContain('1.234,50');
    expect((await cli(env, 'preview', 'birthday', '--locale', 'xx_!!')).code).toBe(2);

    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    await cli(env, 'import', 'customers', file('c.csv', 'id,email,first_name\nc1,ann@example.com,Ann\n'));
    await cli(
      env,
      'import',
      'events',
      file(
        'e.jsonl',
        '{"id":"o-77","customer_id":"c1","type":"purchase","occurred_at":"2026-01-05T10:00:00Z"}\n',
      ),
    );
    const thanks = await cli(env, 'preview', 'thank-you', '--event', 'o-77');
    expect(thanks.out).toContain('Subject: Thanks for order o-77');
    expect(thanks.out).toContain('Hi Ann');
    expect((await cli(env, 'preview', 'thank-you', '--event', 'nope')).code).toBe(1);

    await cli(
      env,
      'content',
      'add',
      '--id',
      'post-1',
      '--title',
      'Our new single origin',
      '--url',
      'https://corner.example/p/1',
    );
    const digest = await cli(env, 'preview', 'digest', '--customer', 'c1', '--format', 'html');
    expect(digest.out).toContain('Our new single origin');
    expect(digest.out).not.toContain('How we choose our beans');
    const test = await cli(env, 'send-test', 'birthday', '--to', 'staff@example.com', '--locale', 'de');
    expect(test.out).toContain('sent "Alles Gute, Maya!" to staff@example.com');
  });
});
