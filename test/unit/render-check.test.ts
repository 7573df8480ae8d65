import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkTemplateDir,
  formatProblem,
  sampleTemplateData,
  type AutomationTemplate,
} from '../../src/render/index.js';
import { TEMPLATE_MAX_BYTES } from '../../src/render/files.js';
import { readTemplateSources } from '../../src/render/load.js';
import { DATA_SHAPE, resolveShape, type Shape } from '../../src/render/shape.js';

const SHIPPED = fileURLToPath(new URL('../../templates', import.meta.url));

/** The default config's automations (as config/rapport.yaml ships them). */
const DEFAULT_AUTOMATIONS: AutomationTemplate[] = [
  { id: 'thank-you', template: 'thank-you', transactional: true },
  { id: 'how-did-it-go', template: 'follow-up', transactional: false },
  { id: 'birthday', template: 'birthday', transactional: false },
  { id: 'anniversary', template: 'anniversary', transactional: false },
  { id: 'we-miss-you', template: 'we-miss-you', transactional: false },
  { id: 'holidays', template: 'holiday', transactional: false },
  { id: 'fifth-purchase', template: 'reward', transactional: false },
  { id: 'weekly-digest', template: 'digest', transactional: false },
];

const FOOTER = '<p>{{business.postal_address}} <a href="{{links.unsubscribe}}">Unsubscribe</a></p>';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function templatesDir(files: Record<string, string>): string {
  const base = mkdtempSync(path.join(tmpdir(), 'rapport-check-'));
  dirs.push(base);
  const dir = path.join(base, 'templates');
  const all = { 'layouts/default.hbs': '{{{body}}}\n{{> footer}}', 'partials/footer.hbs': FOOTER, ...files };
  for (const [name, source] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), source);
  }
  return dir;
}

/** A template `t` with this html and a plain subject; returns the formatted problems. */
function checkHtml(html: string, extra: Record<string, string> = {}): string[] {
  const dir = templatesDir({ 't/subject.hbs': 'Hello', 't/html.hbs': html, ...extra });
  return checkTemplateDir(dir).map(formatProblem);
}

describe('check', () => {
  it('passes every shipped template against the default automations', () => {
    expect(checkTemplateDir(SHIPPED, { automations: DEFAULT_AUTOMATIONS }).map(formatProblem)).toEqual([]);
  });

  it('reports a syntax error at its line', () => {
    expect(checkHtml('<p>one</p>\n<p>Hi {{ customer.first_name }</p>\n<p>three</p>')).toEqual([
      'templates/t/html.hbs:2: syntax error: a {{ }} is malformed or not closed near "customer.first_name }"',
    ]);
    expect(checkHtml('a\n{{#if customer.first_name}}\nb\n{{/each}}')).toEqual([
      'templates/t/html.hbs:2: syntax error: {{#if}} is closed by {{/each}}',
    ]);
    expect(checkHtml('a\n{{#if}}b{{/if}}')).toEqual([
      'templates/t/html.hbs:2: helper "if" takes 1 argument, got 0',
    ]);
    expect(checkHtml('a\n{{#if customer.first_name}}\nb\n')).toEqual([
      'templates/t/html.hbs:4: syntax error: the file ends inside a block: every {{#name}} needs its {{/name}}',
    ]);
  });

  it('reports a partial that does not exist', () => {
    expect(checkHtml('<p>Hi</p>\n\n{{> nope}}')).toEqual([
      'templates/t/html.hbs:3: partial "nope" does not exist (add templates/partials/nope.hbs)',
    ]);
  });

  it('reports an unknown variable, with a suggestion', () => {
    expect(checkHtml('<p>\nHi {{custmer.first_name}}</p>')).toEqual([
      'templates/t/html.hbs:2: unknown variable "custmer.first_name" (did you mean "customer.first_name"?)',
    ]);
    expect(checkHtml('{{customer.shoe_size}}')).toEqual([
      'templates/t/html.hbs:1: unknown variable "customer.shoe_size"',
    ]);
    expect(checkHtml('{{customer.first_name.initial}}')).toEqual([
      'templates/t/html.hbs:1: unknown variable "customer.first_name.initial"',
    ]);
  });

  it('explains that the context changes inside each', () => {
    expect(checkHtml('{{#each items}}\n{{customer.first_name}}{{/each}}')).toEqual([
      'templates/t/html.hbs:2: unknown variable "customer.first_name" (inside {{#each}} or {{#with}} the context changes; write @root.customer.first_name)',
    ]);
  });

  it('accepts everything the data has', () => {
    const html = [
      '{{customer.attributes.favorite_drink}} {{event.data.order.total}} {{items.length}} {{items.[0].title}}',
      '{{#each items}}{{@index}} {{@first}} {{title}} {{this.url}} {{../customer.email}} {{@root.links.feed}}',
      '  {{#each tags}}{{this}}{{@last}}{{/each}}{{formatDate published_at "long"}}{{/each}}',
      '{{#each items as |item i|}}{{item.title}} {{i}} {{#each item.tags as |tag|}}{{tag}}{{/each}}{{/each}}',
      '{{#with customer}}{{first_name}} {{attributes.x}} {{../business.name}}{{/with}}',
      '{{#with customer as |c|}}{{c.email}}{{/with}}',
      '{{#each customer.attributes}}{{@key}}={{this}}{{/each}}',
      '{{#if (eq event.type "purchase")}}{{formatMoney event.data.total "USD"}}{{else if customer.tags}}x{{/if}}',
      '{{#unless automation.transactional}}{{links.unsubscribe}} {{links.preferences}}{{/unless}}',
      '{{lookup customer.attributes "x"}} {{default customer.first_name "there"}} {{formatNumber 3}}',
      '{{#customer}}{{email}}{{/customer}} {{#items}}{{title}}{{/items}}',
      '{{#*inline "row"}}{{title}}{{/inline}}{{#each items}}{{> row}}{{/each}} {{> card title=business.name}}',
      '{{!-- a comment {{nothing}} --}}{{customer.years_as_customer}} {{customer.customer_since}}',
    ].join('\n');
    expect(checkHtml(html, { 'partials/card.hbs': '<b>{{title}}</b> {{customer.email}}' })).toEqual([]);
  });

  it('reports a misspelt formatDate preset, and lets patterns pass', () => {
    expect(
      checkHtml(
        '{{formatDate customer.birthday "medum"}}\n{{formatDate customer.birthday "d LLLL"}} {{formatDate customer.birthday "cccc"}}',
      ),
    ).toEqual([
      'templates/t/html.hbs:1: formatDate: "medum" is not a format: use short, medium, long, full, month-day, or a pattern such as "d LLLL yyyy"',
    ]);
  });

  it('reports an unknown helper and a wrong number of arguments', () => {
    expect(
      checkHtml('{{formatdate customer.birthday}}\n{{shout customer.first_name}}\n{{formatMoney 5}}'),
    ).toEqual([
      'templates/t/html.hbs:1: unknown helper "formatdate" (did you mean "formatDate"?)',
      'templates/t/html.hbs:2: unknown helper "shout"',
      'templates/t/html.hbs:3: helper "formatMoney" takes 2 arguments, got 1',
    ]);
    expect(
      checkHtml('{{#if (upper customer.first_name)}}x{{/if}}\n{{#eq 1 1}}x{{/eq}}\n{{log "x"}}'),
    ).toEqual([
      'templates/t/html.hbs:1: unknown helper "upper"',
      'templates/t/html.hbs:2: "eq" is not a block helper; use it inline or as {{#if (eq …)}}',
      'templates/t/html.hbs:3: unknown helper "log"',
    ]);
  });

  it('keeps @index and friends to each blocks, and loops only over lists', () => {
    expect(checkHtml('{{@index}}\n{{#each customer.email}}x{{/each}}')).toEqual([
      'templates/t/html.hbs:1: @index only exists inside {{#each}}',
      'templates/t/html.hbs:2: cannot loop over "customer.email": it is a single value, not a list',
    ]);
  });

  it('reports a problem inside a partial at the partial file and line', () => {
    expect(checkHtml('{{> note}}', { 'partials/note.hbs': '<p>\n{{customer.nmae}}</p>' })).toEqual([
      'templates/partials/note.hbs:2: unknown variable "customer.nmae"',
    ]);
  });

  it('checks subject and text too, and requires subject.hbs and html.hbs', () => {
    const dir = templatesDir({
      'a/subject.hbs': 'Hi {{customer.frist_name}}',
      'a/html.hbs': '<p>ok</p>',
      'a/text.hbs': '{{#each items}}{{nope}}{{/each}}',
      'b/html.hbs': '<p>no subject</p>',
    });
    expect(checkTemplateDir(dir).map(formatProblem)).toEqual([
      'templates/a/subject.hbs:1: unknown variable "customer.frist_name" (did you mean "customer.first_name"?)',
      'templates/a/text.hbs:1: unknown variable "nope"',
      'templates/b/subject.hbs: is missing (a template needs subject.hbs and html.hbs)',
    ]);
  });

  it('requires the footer in marketing mail only', () => {
    const dir = templatesDir({
      'layouts/default.hbs': '<main>{{{body}}}</main>',
      'bare/subject.hbs': 'Hi',
      'bare/html.hbs': '<p>no footer</p>',
      'own/subject.hbs': 'Hi',
      'own/html.hbs': '<p>x</p>{{#if customer.email}}{{> footer}}{{/if}}',
      'own/text.hbs': 'plain',
    });
    const problems = (automations: AutomationTemplate[]) =>
      checkTemplateDir(dir, { automations }).map(formatProblem);
    expect(problems([{ template: 'bare', transactional: true }])).toEqual([]);
    expect(problems([{ id: 'news', template: 'bare', transactional: false }])).toEqual([
      'templates/bare/html.hbs: does not include {{> footer}} (unsubscribe link and postal address are required in marketing mail)',
    ]);
    expect(problems([{ template: 'own', transactional: false }])).toEqual([
      'templates/own/text.hbs: does not include {{> footer-text}} (unsubscribe link and postal address are required in marketing mail)',
    ]);
    expect(problems([{ id: 'gone', template: 'missing', transactional: false }])).toEqual([
      'templates/missing: template folder is missing (automation "gone" uses it)',
    ]);
  });

  it('requires the footer to keep the unsubscribe link and the address', () => {
    const dir = templatesDir({
      'partials/footer.hbs': '<p>{{business.name}}</p>',
      't/subject.hbs': 'Hi',
      't/html.hbs': '<p>x</p>',
    });
    expect(
      checkTemplateDir(dir, { automations: [{ template: 't', transactional: false }] }).map(formatProblem),
    ).toEqual([
      'templates/partials/footer.hbs: does not show {{business.postal_address}} (unsubscribe link and postal address are required in marketing mail)',
      'templates/partials/footer.hbs: does not show {{links.unsubscribe}} (unsubscribe link and postal address are required in marketing mail)',
    ]);
  });

  it('reports a missing layout and a missing folder', () => {
    const dir = templatesDir({ 't/subject.hbs': 'x', 't/html.hbs': 'y' });
    rmSync(path.join(dir, 'layouts'), { recursive: true });
    expect(checkTemplateDir(dir).map(formatProblem)).toEqual([
      'templates/layouts/default.hbs: the layout is missing: every html body is wrapped in it',
    ]);
    expect(checkTemplateDir(path.join(dir, 'nowhere')).map(formatProblem)).toEqual([
      'nowhere: the templates folder does not exist',
    ]);
  });
});

describe('the checker knows the real data', () => {
  it('matches the shape of sampleTemplateData both ways', () => {
    const sample = sampleTemplateData(
      {
        name: 'B',
        postal_address: 'A',
        timezone: 'UTC',
        locale: 'en-US',
        url: 'https://b',
        review_url: 'https://r',
      },
      { unsubscribe: 'u', preferences: 'p', feed: 'f' },
    );
    const leaves = (value: unknown, prefix: string[] = []): string[][] =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value).flatMap(([key, v]) => leaves(v, [...prefix, key]))
        : [prefix];
    for (const leaf of leaves(sample)) expect(resolveShape(DATA_SHAPE, leaf), leaf.join('.')).toBeDefined();
    const fields = (shape: Shape, prefix: string[] = []): string[][] =>
      shape.kind === 'object'
        ? Object.entries(shape.fields).flatMap(([key, s]) => fields(s, [...prefix, key]))
        : [prefix];
    const sampleHas = (parts: string[]) =>
      parts.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], sample) !== undefined;
    for (const field of fields(DATA_SHAPE)) expect(sampleHas(field), field.join('.')).toBe(true);
  });
});

describe('check: files of the templates folder, of sane size', () => {
  it('refuses a symlinked template file, naming it, and never reads it', () => {
    const dir = templatesDir({ 't/subject.hbs': 'Hello' });
    const secret = path.join(path.dirname(dir), 'secret');
    writeFileSync(secret, 'the daemon secret {{');
    symlinkSync(secret, path.join(dir, 't/html.hbs'));
    const problems = checkTemplateDir(dir).map(formatProblem);
    expect(problems).toEqual([
      'templates/t/html.hbs: is a symbolic link; templates must be files of the templates folder itself (not read)',
    ]);
    const sources = readTemplateSources(dir);
    expect(sources.templates.get('t')?.html).toBeUndefined();
  });

  it('refuses a symlinked partial or layout, and a template folder that links elsewhere', () => {
    const dir = templatesDir({ 't/subject.hbs': 'Hello', 't/html.hbs': '<p>Hi</p>' });
    const outside = mkdtempSync(path.join(tmpdir(), 'rapport-outside-'));
    dirs.push(outside);
    writeFileSync(path.join(outside, 'subject.hbs'), 'Stolen');
    writeFileSync(path.join(outside, 'html.hbs'), '<p>stolen</p>');
    symlinkSync(outside, path.join(dir, 'elsewhere'));
    symlinkSync(path.join(dir, 'partials/footer.hbs'), path.join(dir, 'partials/copy.hbs'));
    const problems = checkTemplateDir(dir).map(formatProblem);
    expect(problems).toEqual([
      'templates/elsewhere: is a symbolic link; templates must be files of the templates folder itself (not read)',
      'templates/partials/copy.hbs: is a symbolic link; templates must be files of the templates folder itself (not read)',
    ]);
    expect(readTemplateSources(dir).templates.has('elsewhere')).toBe(false);
  });

  it('refuses a file over the size cap with its size, without reading it', () => {
    const big = `<p>${'x'.repeat(TEMPLATE_MAX_BYTES)}</p>`;
    const problems = checkHtml(big).map((p) => p.replace(/\d+ bytes;/, 'N bytes;'));
    expect(problems).toEqual([
      `templates/t/html.hbs: is N bytes; a template file may be at most ${TEMPLATE_MAX_BYTES} bytes (512 KB) (not read)`,
    ]);
    expect(checkHtml(big)[0]).toContain(`is ${Buffer.byteLength(big)} bytes`);
    // Just under the cap is fine.
    expect(checkHtml(`<p>${'x'.repeat(TEMPLATE_MAX_BYTES - 10)}</p>`)).toEqual([]);
  });

  it('reports a dynamic partial at its line', () => {
    expect(checkHtml('<p>Hi</p>\n{{> (lookup customer.attributes "kind")}}')).toEqual([
      'templates/t/html.hbs:2: a dynamic partial ({{> (…)}}) cannot be checked before sending; name the partial, e.g. {{> footer}}',
    ]);
  });

  it('reports a partial that includes itself, directly or through another, at the line of the call', () => {
    expect(checkHtml('<p>Hi</p>\n{{> loop}}', { 'partials/loop.hbs': 'again\n\n{{> loop}}' })).toEqual([
      'templates/partials/loop.hbs:3: partial "loop" includes itself (loop → loop); partials cannot be recursive',
    ]);
    const mutual = {
      'partials/a.hbs': '{{> b}}',
      'partials/b.hbs': 'b\n{{#if customer.first_name}}{{> a}}{{/if}}',
    };
    expect(checkHtml('{{> a}}', mutual)).toEqual([
      'templates/partials/b.hbs:2: partial "a" includes itself (a → b → a); partials cannot be recursive',
    ]);
    const inline = '{{#*inline "row"}}\n{{> row}}\n{{/inline}}\n{{> row}}';
    expect(checkHtml(inline)).toEqual([
      'templates/t/html.hbs:2: partial "row" includes itself (row → row); partials cannot be recursive',
    ]);
  });
});
