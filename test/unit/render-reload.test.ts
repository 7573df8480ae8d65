import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTemplateEngine, sampleTemplateData, type TemplateEngine } from '../../src/render/index.js';
import { TEMPLATE_MAX_BYTES } from '../../src/render/files.js';
import { compileSources, MAX_COMPILED_BYTES } from '../../src/render/compile-worker.js';

const DATA = sampleTemplateData(
  { name: 'Corner Coffee', postal_address: '12 Market St', timezone: 'UTC', locale: 'en-US' },
  { unsubscribe: 'https://x/u/t', preferences: 'https://x/p/t', feed: 'https://x/feed.xml' },
);
const FOOTER = '<p>{{business.postal_address}} <a href="{{links.unsubscribe}}">Unsubscribe</a></p>';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

function setup(
  options: {
    automations?: Array<{ template: string; transactional: boolean }>;
    limits?: { timeoutMs: number; maxOldGenerationSizeMb: number };
  } = {},
) {
  const base = mkdtempSync(path.join(tmpdir(), 'rapport-reload-'));
  const dir = path.join(base, 'templates');
  const write = (name: string, source: string) => {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), source);
  };
  write('layouts/default.hbs', '<main>{{{body}}}</main>{{> footer}}');
  write('partials/footer.hbs', FOOTER);
  write('partials/sign.hbs', '-- {{business.name}}');
  write('t/subject.hbs', 'Subject v1');
  write('t/html.hbs', '<p>Hello v1 {{customer.first_name}}</p>{{> sign}}');
  const logger = { warn: vi.fn(), info: vi.fn() };
  const engine = createTemplateEngine({ dir, logger, ...options });
  cleanup.push(() => {
    engine.close();
    rmSync(base, { recursive: true, force: true });
  });
  logger.info.mockClear();
  return {
    dir,
    engine,
    logger,
    write,
    remove: (name: string) => rmSync(path.join(dir, name), { recursive: true }),
  };
}

const html = (engine: TemplateEngine, name = 't') => engine.render(name, DATA).html;
const warned = (logger: { warn: ReturnType<typeof vi.fn> }) =>
  logger.warn.mock.calls.map(([obj]) => obj as { event: string; template: string; problems: string[] });

describe('reload keeps the last good version', () => {
  it('keeps rendering the previous version after a broken edit, and takes a good one', () => {
    const { engine, logger, write } = setup();
    expect(html(engine)).toContain('Hello v1 Maya');

    write('t/html.hbs', '<p>Hello v2\n{{#if customer.first_name}}</p>');
    const broken = engine.reload();
    expect(broken.updated).toEqual([]);
    expect(html(engine)).toContain('Hello v1 Maya');
    expect(warned(logger)).toEqual([
      expect.objectContaining({
        event: 'template.invalid',
        template: 'template:t',
        problems: [
          'templates/t/html.hbs:2: syntax error: the file ends inside a block: every {{#name}} needs its {{/name}}',
        ],
      }),
    ]);

    write('t/html.hbs', '<p>Hello v3 {{custmer.first_name}}</p>');
    engine.reload();
    expect(html(engine)).toContain('Hello v1 Maya');
    expect(warned(logger)[1]?.problems).toEqual([
      'templates/t/html.hbs:1: unknown variable "custmer.first_name" (did you mean "customer.first_name"?)',
    ]);

    write('t/html.hbs', '<p>Hello v4 {{customer.first_name}}</p>');
    expect(engine.reload().updated).toEqual(['template:t']);
    expect(html(engine)).toBe(
      '<main><p>Hello v4 Maya</p></main>' + '<p>12 Market St <a href="https://x/u/t">Unsubscribe</a></p>',
    );
    expect(logger.info).toHaveBeenCalledWith(
      { event: 'template.reloaded', template: 'template:t' },
      expect.any(String),
    );
  });

  it('warns once per broken version, not on every reload', () => {
    const { engine, logger, write } = setup();
    write('t/subject.hbs', '{{#if}}');
    engine.reload();
    engine.reload();
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(engine.render('t', DATA).subject).toBe('Subject v1');
  });

  it('keeps the previous partial when its edit breaks, and swaps a good partial in', () => {
    const { engine, logger, write } = setup();
    write('partials/sign.hbs', '-- {{busines.name}}');
    engine.reload();
    expect(html(engine)).toContain('-- Corner Coffee');
    expect(warned(logger)[0]).toMatchObject({ template: 'partial:sign' });

    write('partials/sign.hbs', 'Warmly, {{business.name}}');
    expect(engine.reload().updated).toEqual(['partial:sign']);
    expect(html(engine)).toContain('Warmly, Corner Coffee');
  });

  it('refuses a partial edit that would break a template in use, naming it, and keeps the previous partial', () => {
    const { engine, logger, write } = setup();
    write('partials/sign.hbs', '-- {{> @partial-block}}');
    const result = engine.reload();
    expect(result.updated).toEqual([]);
    expect(result.problems[0]?.file).toMatch(/partials\/sign\.hbs$/);
    expect(result.problems[0]?.message).toMatch(/breaks template "t"/);
    expect(warned(logger)[0]).toMatchObject({ template: 'partial:sign' });
    expect(html(engine)).toContain('-- Corner Coffee');
  });

  it('reports a template folder an automation names that is not there, live as in check', () => {
    const { engine, logger } = setup({ automations: [{ template: 'gone', transactional: true }] });
    expect(warned(logger).filter((w) => w.template === 'template:gone')).toHaveLength(1);
    const result = engine.reload();
    expect(result.problems.map((p) => p.message).join('\n')).toMatch(/missing/);
    // Once per problem, not on every reload.
    expect(warned(logger).filter((w) => w.template === 'template:gone')).toHaveLength(1);
  });

  it('rejects a template edit that calls a partial where its variables do not exist', () => {
    const { engine, logger, write } = setup();
    write('t/html.hbs', '{{#each items}}<p>{{title}}</p>{{> sign}}{{/each}}');
    expect(engine.reload().updated).toEqual([]);
    expect(html(engine)).toContain('Hello v1');
    expect(warned(logger)[0]).toMatchObject({ template: 'template:t' });
    expect(warned(logger)[0]?.problems[0]).toMatch(
      /^templates\/partials\/sign.hbs:1: unknown variable "business.name"/,
    );
  });

  it('rejects an edit that drops the footer from marketing mail', () => {
    const { engine, write } = setup({ automations: [{ template: 't', transactional: false }] });
    write('layouts/default.hbs', '<main>{{{body}}}</main>');
    const result = engine.reload();
    expect(result.problems.map((p) => p.message)).toEqual([
      'does not include {{> footer}} (unsubscribe link and postal address are required in marketing mail)',
    ]);
    expect(html(engine)).toContain('Unsubscribe');
  });

  it('keeps a removed template until restart', () => {
    const { engine, logger, remove } = setup();
    remove('t');
    engine.reload();
    expect(html(engine)).toContain('Hello v1');
    expect(warned(logger)[0]?.problems).toEqual([
      'templates/t: was removed; the last good version stays in use until restart',
    ]);
  });

  it('has no version of a template that never passed, until it is fixed', () => {
    const { engine, write } = setup();
    write('new/subject.hbs', 'New');
    write('new/html.hbs', '{{> nope}}');
    engine.reload();
    expect(engine.has('new')).toBe(false);
    expect(() => engine.render('new', DATA)).toThrow(expect.objectContaining({ code: 'E_TEMPLATE_INVALID' }));

    write('partials/nope.hbs', 'now it exists');
    engine.reload();
    expect(engine.has('new')).toBe(true);
    expect(html(engine, 'new')).toContain('now it exists');
  });

  it('picks up edits by itself while watching', { timeout: 40_000 }, async () => {
    const { engine, write } = setup();
    engine.watch();
    engine.watch(); // idempotent
    write('t/html.hbs', '<p>Hello watched</p>');
    // The check runs in a worker thread, which from TypeScript sources on a busy machine starts slowly.
    await vi.waitFor(() => expect(html(engine)).toContain('Hello watched'), {
      timeout: 30_000,
      interval: 50,
    });
    engine.close();
    write('t/html.hbs', '<p>Hello after close</p>');
    expect(html(engine)).toContain('Hello watched');
  });
});

describe(
  'reload off the main thread (what the running daemon does after an edit)',
  { timeout: 60_000 },
  () => {
    it('takes a good edit, with the same escaping as a reload on the main thread', async () => {
      const { engine, write } = setup();
      write('t/html.hbs', '<p>Hello v2 {{customer.first_name}} & {{business.name}}</p>{{> sign}}');
      write('t/subject.hbs', 'For {{business.name}}');
      const result = await engine.reloadOffThread();
      expect(result).toEqual({ updated: ['template:t'], problems: [] });
      const email = engine.render('t', { ...DATA, business: { ...DATA.business, name: 'Smith & Sons' } });
      expect(email.html).toContain('Hello v2 Maya & Smith &amp; Sons');
      expect(email.subject).toBe('For Smith & Sons');
    });

    it('refuses a file swapped for a symlink, naming it, and keeps the last good version', async () => {
      const { dir, engine, logger, remove } = setup();
      const secret = path.join(path.dirname(dir), 'secret');
      writeFileSync(secret, 'SECRET-KEY-MATERIAL');
      remove('t/html.hbs');
      symlinkSync(secret, path.join(dir, 't/html.hbs'));
      const result = await engine.reloadOffThread();
      expect(result.updated).toEqual([]);
      expect(result.problems.map((p) => p.file)).toContain('templates/t/html.hbs');
      expect(html(engine)).toContain('Hello v1 Maya');
      expect(html(engine)).not.toContain('SECRET');
      expect(JSON.stringify(warned(logger))).toContain('is a symbolic link');
    });

    it('refuses an edit over the size cap with its size, without blocking the event loop', async () => {
      const { engine, write } = setup();
      const big = `<p>${'x'.repeat(2 * 1024 * 1024)}</p>`;
      write('t/html.hbs', big);
      const result = await engine.reloadOffThread();
      expect(result.problems.map((p) => p.message)).toEqual([
        `is ${Buffer.byteLength(big)} bytes; a template file may be at most ${TEMPLATE_MAX_BYTES} bytes (512 KB) (not read)`,
      ]);
      expect(html(engine)).toContain('Hello v1 Maya');
    });

    it('stops a check that runs past its time limit and keeps the last good versions', async () => {
      const { engine, logger, write } = setup({ limits: { timeoutMs: 1, maxOldGenerationSizeMb: 64 } });
      write('t/html.hbs', '<p>Hello v2</p>');
      const result = await engine.reloadOffThread();
      expect(result).toEqual({
        updated: [],
        problems: [
          {
            file: 'templates',
            line: 0,
            message: 'checking took longer than 1 ms; the last good versions stay in use',
          },
        ],
      });
      expect(html(engine)).toContain('Hello v1 Maya');
      expect(warned(logger)).toEqual([expect.objectContaining({ event: 'template.invalid' })]);
    });
  },
);

describe('compiled size', () => {
  it('refuses a file that compiles to more code than the main thread should load at once', () => {
    const line = '<p>{{customer.first_name}} {{customer.last_name}} {{business.name}}</p>\n';
    const source = line.repeat(Math.ceil(MAX_COMPILED_BYTES / line.length));
    const file = { label: 'templates/t/html.hbs', source, hash: 'h' };
    const sources = {
      root: 'templates',
      exists: true,
      layouts: new Map([
        ['default', { label: 'templates/layouts/default.hbs', source: '{{{body}}}', hash: 'l' }],
      ]),
      partials: new Map(),
      templates: new Map([
        [
          't',
          {
            folder: 'templates/t',
            subject: { ...file, source: 'Hi', hash: 's', label: 'templates/t/subject.hbs' },
            html: file,
          },
        ],
      ]),
      refused: [],
    };
    const result = compileSources(sources, {});
    expect(result.ok && result.problems.map((p) => `${p.file}: ${p.message}`)).toEqual([
      expect.stringMatching(
        /^templates\/t\/html\.hbs: compiles to \d+ KB of code, more than the 256 KB a template may; make it smaller$/,
      ),
    ]);
    expect(result.ok && [...result.specs.keys()]).toEqual(['l:html', 's:plain']);
  });
});
