/**
 * Templates in the database: seeded from the folder, immutable versions, publish only what
 * passes the checks, restore, stale-base conflicts, and every worker rendering what is
 * published once the revision moves.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { openTestRuntime, REPO } from '../support/runtime.js';
import type { DbRuntime } from '../../src/runtime.js';
import { listVersions, findTemplate, publishedVersions } from '../../src/db/templates.js';
import { readRevision } from '../../src/db/outreach-revision.js';
import { LiveTemplates } from '../../src/outreach/live.js';
import { outreachDeps, seedAndSync, seedIfEmpty, watchTemplatesFolder } from '../../src/outreach/startup.js';
import { publishVersion, restoreVersion, saveVersion } from '../../src/outreach/templates.js';
import { sampleTemplateData } from '../../src/render/data.js';
import { AppError } from '../../src/errors.js';
import { Emitter, type AppEventMap } from '../../src/events.js';
import { nextEvent } from '../support/events.js';

const NOW = Date.parse('2027-03-10T15:00:00Z');
const DATA = sampleTemplateData(
  { name: 'Corner Coffee', postal_address: '12 Market St', timezone: 'UTC', locale: 'en-US' },
  { unsubscribe: 'https://x/u/t', preferences: 'https://x/p/t', feed: 'https://x/feed.xml' },
  { id: 'birthday', transactional: false },
);

function folderCopy(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'rapport-tpl-')), 'templates');
  cpSync(join(REPO, 'templates'), dir, { recursive: true });
  return dir;
}

const birthday = { kind: 'template' as const, name: 'birthday', locale: '' };

describe.each(databases())('templates in the database (%s)', (db) => {
  const url = db.fresh('test');
  const open: DbRuntime[] = [];
  const engines: LiveTemplates[] = [];
  afterEach(async () => {
    for (const e of engines.splice(0)) e.close();
    for (const rt of open.splice(0)) await rt.close();
  });

  async function runtime(dir: string, config: Record<string, unknown> = {}): Promise<DbRuntime> {
    const rt = await openTestRuntime({
      databaseUrl: url(),
      smtpUrl: 'file:' + mkdtempSync(join(tmpdir(), 'rapport-out-')),
      now: () => NOW,
      config: { templates: { dir }, ...config },
    });
    open.push(rt);
    return rt;
  }

  function engine(rt: DbRuntime, pollMs = 2000, events?: Emitter<AppEventMap>): LiveTemplates {
    const e = new LiveTemplates({ knex: rt.db.knex, automations: rt.config.automations, pollMs, events });
    engines.push(e);
    return e;
  }

  async function versionsOf(rt: DbRuntime, name = 'birthday') {
    const t = await findTemplate(rt.db.knex, 'template', name);
    return listVersions(rt.db.knex, t!.id, '');
  }

  it('seeds an empty database from the folder once, every unit published as version 1', async () => {
    const rt = await runtime(folderCopy());
    // Opening the runtime seeded the automations (one revision); the templates take one more.
    const before = await readRevision(rt.db.knex);
    const first = await seedIfEmpty(rt);
    expect(first.created.length).toBeGreaterThan(8);
    expect(first.created.every((u) => u.published && u.version === 1)).toBe(true);
    expect(first.created.map((u) => u.template)).toEqual(
      expect.arrayContaining(['birthday', 'layout:default', 'partial:footer']),
    );
    expect(await readRevision(rt.db.knex)).toBe(before + 1);
    expect((await seedIfEmpty(rt)).created).toEqual([]);
    const [v1] = await versionsOf(rt);
    expect(v1).toMatchObject({ version: 1, author: 'templates folder', origin: 'seed', created_at: NOW });
    expect(v1?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const live = engine(rt);
    await live.refresh();
    expect(live.render('birthday', DATA).subject).toBe('Happy birthday, Maya!');
  });

  it('publishes a good edit to every worker on their next poll; refuses a broken one and keeps the last good', async () => {
    const rt = await runtime(folderCopy());
    await seedIfEmpty(rt);
    const events = new Emitter<AppEventMap>();
    const [a, b] = [engine(rt), engine(rt, 20, events)];
    await a.refresh();
    await b.refresh();
    b.start();
    const deps = outreachDeps(rt);
    const polled = nextEvent(events, 'templates:reloaded', 'the other worker to load the new revision');
    const v2 = await saveVersion(deps, {
      ...birthday,
      content: { subject: 'Many happy returns, {{customer.first_name}}', html: '<p>v2</p>', text: null },
      baseVersion: 1,
      author: 'ann',
      publish: true,
    });
    expect(v2).toMatchObject({ version: 2, author: 'ann', origin: 'edit' });
    expect(await a.refresh()).toBe(true);
    expect(a.render('birthday', DATA).subject).toBe('Many happy returns, Maya');
    // The other worker notices by polling alone.
    expect(await polled).toEqual({ revision: await readRevision(rt.db.knex) });
    expect(b.render('birthday', DATA).subject).toBe('Many happy returns, Maya');

    const broken = saveVersion(deps, {
      ...birthday,
      content: { subject: 'x', html: '<p>{{#if customer.first_name}}never closed</p>', text: null },
      baseVersion: 2,
      author: 'ann',
      publish: true,
    });
    await expect(broken).rejects.toMatchObject({ code: 'E_TEMPLATE_INVALID' });
    await expect(broken).rejects.toThrow(/cannot be published/);
    expect((await versionsOf(rt)).map((v) => v.version)).toEqual([1, 2]);
    expect(await a.refresh()).toBe(false);
    expect(a.render('birthday', DATA).subject).toBe('Many happy returns, Maya');
  });

  it('refuses a marketing template without the footer, as rapport check does', async () => {
    const rt = await runtime(folderCopy());
    await seedIfEmpty(rt);
    const layout = { kind: 'layout' as const, name: 'default', locale: '' };
    const current = (await publishedVersions(rt.db.knex)).find((v) => v.kind === 'layout')!;
    const noFooter = current.html.replace('{{> footer}}', '');
    expect(noFooter).not.toBe(current.html);
    const error = await saveVersion(outreachDeps(rt), {
      ...layout,
      content: { subject: null, html: noFooter, text: null },
      baseVersion: 1,
      author: 'ann',
      publish: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).details.join('\n')).toMatch(/does not include \{\{> footer\}\}/);
  });

  it('saving from a stale base version is a conflict, never an overwrite', async () => {
    const rt = await runtime(folderCopy());
    await seedIfEmpty(rt);
    const deps = outreachDeps(rt);
    const edit = (html: string) => ({
      ...birthday,
      content: { subject: 'Hi', html, text: null },
      baseVersion: 1,
      author: 'x',
      publish: false,
    });
    await saveVersion(deps, edit('<p>first</p>'));
    await expect(saveVersion(deps, edit('<p>second</p>'))).rejects.toMatchObject({
      code: 'E_CONFLICT',
      message: expect.stringMatching(
        /is at version 2 \(saved by .+ at \d{4}-\d\d-\d\d \d\d:\d\d UTC\), not 1/,
      ),
    });
    expect((await versionsOf(rt)).map((v) => v.html)).toHaveLength(2);
    // A draft is not live until published.
    const live = engine(rt);
    await live.refresh();
    expect(live.render('birthday', DATA).html).not.toContain('first');
    await publishVersion(deps, { ...birthday, version: 2, author: 'x' });
    await live.refresh();
    expect(live.render('birthday', DATA).html).toContain('first');
  });

  it('restoring an old version creates a new version equal to it, and publishes it', async () => {
    const rt = await runtime(folderCopy());
    await seedIfEmpty(rt);
    const deps = outreachDeps(rt);
    await saveVersion(deps, {
      ...birthday,
      content: { subject: 'New', html: '<p>new</p>', text: null },
      baseVersion: 1,
      author: 'x',
      publish: true,
    });
    const restored = await restoreVersion(deps, { ...birthday, version: 1, author: 'bob' });
    const [v1, , v3] = await versionsOf(rt);
    expect(restored).toMatchObject({ version: 3, origin: 'restore', author: 'bob' });
    expect(v3?.sha256).toBe(v1?.sha256);
    expect(v3?.html).toBe(v1?.html);
    const live = engine(rt);
    await live.refresh();
    expect(live.render('birthday', DATA).subject).toBe('Happy birthday, Maya!');
    await expect(restoreVersion(deps, { ...birthday, version: 9, author: 'bob' })).rejects.toMatchObject({
      code: 'E_NOT_FOUND',
    });
  });

  it('sync imports only files that changed since last read; a broken file keeps the last good version', async () => {
    const dir = folderCopy();
    const rt = await runtime(dir);
    await seedAndSync(rt);
    const deps = outreachDeps(rt);
    // An edit made in the database is not overridden by a file nobody touched.
    await saveVersion(deps, {
      ...birthday,
      content: { subject: 'From staff', html: '<p>staff</p>', text: null },
      baseVersion: 1,
      author: 'ann',
      publish: true,
    });
    expect((await seedAndSync(rt)).created).toEqual([]);

    const file = join(dir, 'holiday', 'html.hbs');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, '<p>{{#if customer.first_name}}never closed</p>\n');
    const broken = await seedAndSync(rt);
    expect(broken.created).toEqual([
      expect.objectContaining({
        template: 'holiday',
        version: 2,
        published: false,
        problems: [expect.stringMatching(/^templates\/holiday\/html\.hbs:2: syntax error/)],
      }),
    ]);
    const live = engine(rt);
    await live.refresh();
    expect(live.render('holiday', DATA).html).not.toContain('never closed');
    expect(live.render('birthday', DATA).subject).toBe('From staff');

    writeFileSync(file, good.replace('</p>', ' (edited)</p>'));
    const fixed = await seedAndSync(rt);
    expect(fixed.created).toEqual([
      expect.objectContaining({ template: 'holiday', version: 3, published: true }),
    ]);
    await live.refresh();
    expect(live.render('holiday', DATA).html).toContain('(edited)');
  });

  it('a worker watching the folder imports a saved file and renders it without a restart', async () => {
    const dir = folderCopy();
    const rt = await runtime(dir);
    await seedAndSync(rt);
    const live = engine(rt);
    await live.refresh();
    let synced!: () => void;
    const done = new Promise<void>((resolve) => (synced = resolve));
    const watch = watchTemplatesFolder(rt, () => void live.refresh().then(synced));
    try {
      writeFileSync(join(dir, 'birthday', 'subject.hbs'), 'Cake for {{customer.first_name}}');
      await done;
      expect(live.render('birthday', DATA).subject).toBe('Cake for Maya');
      expect((await versionsOf(rt)).at(-1)).toMatchObject({ version: 2, origin: 'sync' });
    } finally {
      watch.close();
    }
  });
});
