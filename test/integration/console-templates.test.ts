/**
 * The template editor's service on both databases: problems by tab and line, did-you-mean,
 * drafts with stale-base conflicts, publish refused with errors, restore, preview as real
 * customers (their own names, their real purchase), sample data, and a test send that reaches
 * the relay and writes no delivery.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { openTestRuntime } from '../support/runtime.js';
import { useSmtpSink } from '../support/smtp-sink.js';
import type { DbRuntime } from '../../src/runtime.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { upsertEvents } from '../../src/db/events.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { outreachDeps, seedIfEmpty } from '../../src/outreach/startup.js';
import { showVersion } from '../../src/outreach/catalog.js';
import type { CustomerInput } from '../../src/domain.js';
import {
  checkDraft,
  diff,
  findCustomersForPreview,
  history,
  listTemplates,
  PreviewStore,
  previewAs,
  publish,
  restore,
  saveDraft,
  sendTest,
  TestSendLimiter,
} from '../../src/console/templates/service.js';

const NOW = Date.parse('2027-03-10T15:00:00Z');
const HTML_WITH_ERROR_ON_7 = ['<p>1</p>', '<p>2</p>', '<p>3</p>', '<p>4</p>', '<p>5</p>', '<p>6</p>'].join(
  '\n',
);

function customer(id: string, first: string, last: string, email: string): CustomerInput {
  return {
    id,
    email,
    first_name: first,
    last_name: last,
    birthday: null,
    timezone: 'Europe/Berlin',
    locale: null,
    customer_since: null,
    country: null,
    region: null,
    tags: [],
    subscribed: true,
    attributes: {},
  };
}

describe.each(databases())('console template editor (%s)', (db) => {
  const url = db.fresh('test');
  const sink = useSmtpSink();
  const open: DbRuntime[] = [];
  afterEach(async () => {
    for (const rt of open.splice(0)) await rt.close();
  });

  async function runtime(smtpUrl = 'file:' + mkdtempSync(join(tmpdir(), 'rapport-out-'))) {
    const rt = await openTestRuntime({ databaseUrl: url(), smtpUrl, now: () => NOW });
    open.push(rt);
    await seedIfEmpty(rt);
    return rt;
  }

  const draft = (html: string, extra: object = {}) => ({
    name: 'birthday',
    subject: 'Happy birthday, {{customer.first_name}}',
    html,
    text: null,
    ...extra,
  });

  it('names the line of a syntax error planted on line 7 of the html', async () => {
    const rt = await runtime();
    const html = `${HTML_WITH_ERROR_ON_7}\n<p>Hi {{customer.first_name}</p>\n<p>8</p>\n<p>9</p>`;
    const problems = await checkDraft(outreachDeps(rt), draft(html));
    expect(problems[0]).toMatchObject({ tab: 'html', line: 7, severity: 'error' });
    expect(problems[0]?.message).toMatch(/syntax error/);
  });

  it('suggests the right variable and helper, in the tab and line they are on', async () => {
    const rt = await runtime();
    const problems = await checkDraft(
      outreachDeps(rt),
      draft('<p>Hi</p>\n<p>{{customer.frist_name}}</p>\n<p>{{formatDat customer.birthday "long"}}</p>', {
        subject: 'Hello\n{{custmer.first_name}}',
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          tab: 'html',
          line: 2,
          severity: 'error',
          message: expect.stringContaining('did you mean "customer.first_name"?'),
        }),
        expect.objectContaining({
          tab: 'html',
          line: 3,
          message: expect.stringContaining('did you mean "formatDate"?'),
        }),
        expect.objectContaining({
          tab: 'subject',
          line: 2,
          message: expect.stringContaining('did you mean'),
        }),
      ]),
    );
  });

  it("warns about data the template's automations never give it", async () => {
    const rt = await runtime();
    const problems = await checkDraft(
      outreachDeps(rt),
      draft('<p>Hi</p>\n<p>You bought {{event.data.item}}</p>\n{{#each items}}{{title}}{{/each}}'),
    );
    expect(problems).toEqual([
      {
        tab: 'html',
        line: 2,
        column: 17, // the "e" of event
        severity: 'warning',
        message:
          '"event.data.item" will be empty: no automation using this template (birthday) is triggered by an event',
      },
      expect.objectContaining({
        tab: 'html',
        line: 3,
        message: expect.stringMatching(/^"items" will be empty/),
      }),
    ]);
  });

  it('warns about html Gmail would clip and passes a clean draft', async () => {
    const rt = await runtime();
    const deps = outreachDeps(rt);
    expect(await checkDraft(deps, draft('<p>{{customer.first_name}}</p>'))).toEqual([]);
    const big = await checkDraft(deps, draft(`<p>${'x'.repeat(110 * 1024)}</p>`));
    expect(big).toEqual([
      expect.objectContaining({ tab: 'html', severity: 'warning', message: expect.stringMatching(/102 KB/) }),
    ]);
  });

  it('saves drafts, refuses a stale base naming who saved, and lists the draft', async () => {
    const rt = await runtime();
    const deps = outreachDeps(rt);
    const first = await saveDraft(deps, { ...draft('<p>one</p>'), baseVersion: 1, author: 'ann' });
    expect(first).toMatchObject({ version: 2, author: 'ann', savedAt: NOW, created: true });
    const again = await saveDraft(deps, { ...draft('<p>one</p>'), baseVersion: 2, author: 'ann' });
    expect(again).toMatchObject({ version: 2, created: false });
    await expect(
      saveDraft(deps, { ...draft('<p>two</p>'), baseVersion: 1, author: 'bob' }),
    ).rejects.toMatchObject({
      code: 'E_CONFLICT',
      message: expect.stringMatching(/version 2 \(saved by ann at 2027-03-10 15:00 UTC\), not 1/),
    });
    const listed = (await listTemplates(rt.db)).find((t) => t.name === 'birthday');
    expect(listed).toMatchObject({
      kind: 'template',
      variants: [{ locale: '', published: 1, draft: 2, lastEditor: 'ann', lastEditedAt: NOW }],
    });
    expect((await listTemplates(rt.db)).map((t) => t.name)).toContain('partial:footer');
  });

  it('refuses to publish a version with errors, publishes a clean one, restores as a new version', async () => {
    const rt = await runtime();
    const deps = outreachDeps(rt);
    await saveDraft(deps, { ...draft('<p>{{#each}}</p>'), baseVersion: 1, author: 'ann' });
    await expect(publish(deps, { name: 'birthday', version: 2, author: 'ann' })).rejects.toMatchObject({
      code: 'E_TEMPLATE_INVALID',
      details: [expect.stringMatching(/^html:1: /)],
    });
    expect((await showVersion(rt.db, { kind: 'template', name: 'birthday', locale: '' })).version).toBe(1);
    await saveDraft(deps, {
      ...draft('<p>Hello {{customer.first_name}}</p>'),
      baseVersion: 2,
      author: 'bob',
    });
    await publish(deps, { name: 'birthday', version: 3, author: 'bob' });
    expect((await showVersion(rt.db, { kind: 'template', name: 'birthday', locale: '' })).version).toBe(3);
    const restored = await restore(deps, { name: 'birthday', version: 1, author: 'cy' });
    expect(restored.version).toBe(4);
    const versions = await history(rt.db, 'birthday');
    expect(versions.map((v) => [v.version, v.author, v.published])).toEqual([
      [4, 'cy', true],
      [3, 'bob', false],
      [2, 'ann', false],
      [1, 'templates folder', false],
    ]);
    expect(versions[1]?.publications).toEqual([{ author: 'bob', at: NOW }]);
    expect(await diff(rt.db, 'birthday', '', 3, 4)).toMatch(/-<p>Hello \{\{customer\.first_name\}\}<\/p>/);
  });

  it('previews as two customers with their own names and their real purchase', async () => {
    const rt = await runtime();
    await upsertCustomers(
      rt.db.knex,
      [
        customer('c1', 'Ada', 'Lovelace', 'ada@example.com'),
        customer('c2', 'Grace', 'Hopper', 'grace@example.com'),
      ],
      NOW,
    );
    await upsertEvents(
      rt.db.knex,
      [
        {
          id: 'e1',
          customer_id: 'c1',
          type: 'purchase',
          occurred_at: NOW - 9000,
          data: { item: 'Old kettle' },
        },
        {
          id: 'e2',
          customer_id: 'c1',
          type: 'purchase',
          occurred_at: NOW - 5000,
          data: { item: 'Espresso beans' },
        },
        {
          id: 'e3',
          customer_id: 'c2',
          type: 'purchase',
          occurred_at: NOW - 4000,
          data: { item: 'Tea sampler' },
        },
      ],
      NOW,
    );
    const thanks = {
      name: 'thank-you',
      subject: 'Thanks, {{customer.first_name}}',
      html: '<p>Hi {{customer.first_name}}, enjoy your {{event.data.item}}.</p>',
      text: null,
    };
    const ada = await previewAs(rt, { ...thanks, customerId: 'c1' });
    expect(ada.subject).toBe('Thanks, Ada');
    expect(ada.html).toContain('Hi Ada, enjoy your Espresso beans.');
    expect(ada.event).toMatchObject({ id: 'e2', type: 'purchase' });
    expect(ada.warnings).toEqual([]);
    const grace = await previewAs(rt, { ...thanks, customerId: 'c2' });
    expect(grace.html).toContain('Hi Grace, enjoy your Tea sampler.');
    expect(grace.customer).toMatchObject({ id: 'c2', first_name: 'Grace' });
    const named = await previewAs(rt, { ...thanks, customerId: 'c1', eventId: 'e1' });
    expect(named.html).toContain('Old kettle');
    const anyone = await previewAs(rt, thanks);
    expect(anyone.customer?.id).toBe('c2'); // whoever made the latest purchase
    expect(await findCustomersForPreview(rt.db, 'gra')).toEqual([
      { id: 'c2', email: 'grace@example.com', first_name: 'Grace', last_name: 'Hopper' },
    ]);
    expect((await findCustomersForPreview(rt.db, 'LOVE')).map((c) => c.id)).toEqual(['c1']);
    expect((await findCustomersForPreview(rt.db, 'ada lov')).map((c) => c.id)).toEqual(['c1']);
    expect(await findCustomersForPreview(rt.db, '%')).toEqual([]);
  });

  it('previews with sample data when there are no customers', async () => {
    const rt = await runtime();
    const shown = await previewAs(rt, draft('<p>Dear {{customer.first_name}}</p>'));
    expect(shown.customer).toBeNull();
    expect(shown.html).toMatch(/Dear \w+/);
    expect(shown.subject).toMatch(/^Happy birthday, \w+/);
  });

  it('sends a test to the relay with [Test] and writes no delivery; rate limited per author', async () => {
    const rt = await runtime(sink().url);
    await upsertCustomers(rt.db.knex, [customer('c1', 'Ada', 'Lovelace', 'ada@example.com')], NOW);
    const limiter = new TestSendLimiter(2, 60_000);
    const input = {
      to: 'staff@example.com',
      name: 'birthday',
      draft: { subject: 'Cheers {{customer.first_name}}', html: '<p>Draft body</p>', text: null },
      customerId: 'c1',
      author: 'ann',
    };
    const sent = await sendTest(rt, limiter, input);
    expect(sent.subject).toBe('[Test] Cheers Ada');
    const [message] = await sink().waitForMessages(1);
    const mail = await simpleParser(message!.raw);
    expect(mail.subject).toBe('[Test] Cheers Ada');
    expect(mail.html).toContain('Draft body');
    expect(message!.envelope.to).toEqual(['staff@example.com']);
    expect(await listDeliveries(rt.db.knex, {})).toEqual([]);
    await sendTest(rt, limiter, input);
    await expect(sendTest(rt, limiter, input)).rejects.toMatchObject({ code: 'E_RATE_LIMITED' });
    await expect(sendTest(rt, limiter, { ...input, to: 'nope' })).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});

describe('preview store', () => {
  it('hands out a token per preview and forgets it after its time', () => {
    const store = new PreviewStore(2, 1000);
    const a = store.put('<p>a</p>', 0);
    expect(store.get(a, 500)).toBe('<p>a</p>');
    expect(store.get(a, 1000)).toBeUndefined();
    const b = store.put('<p>b</p>', 10);
    store.put('<p>c</p>', 20);
    store.put('<p>d</p>', 30);
    expect(store.get(b, 40)).toBeUndefined();
    expect(store.get('guess', 40)).toBeUndefined();
  });
});
