/**
 * The Templates pages and the editor's JSON endpoints over HTTP, on both databases: roles (a
 * viewer reads, a forged change is refused), CSRF, problems by line, a stale save's conflict,
 * publishing refused with its errors, the preview frame's own CSP, the forms that work without
 * JavaScript, and the history's restore and diff, each change audited.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { listStaffAudit } from '../../src/db/staff-audit.js';
import { templatesPage } from '../../src/console/templates/page.js';
import { seedIfEmpty } from '../../src/outreach/startup.js';
import { databases } from '../support/databases.js';
import { useSmtpSink } from '../support/smtp-sink.js';
import { listDeliveries } from '../../src/db/deliveries.js';
import { ORIGIN, seedUser, session, startTestConsole, type TestConsole } from '../support/console.js';

const LINE_7_ERROR = [
  '<p>1</p>',
  '<p>2</p>',
  '<p>3</p>',
  '<p>4</p>',
  '<p>5</p>',
  '<p>6</p>',
  '<p>{{customer.first_name}</p>',
].join('\n');
const flat = (s: string) => s.replace(/\s+/g, ' ');

describe.each(databases())('console templates pages (%s)', (db) => {
  const url = db.fresh('test');
  const sink = useSmtpSink();
  const open: TestConsole[] = [];
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
  });

  async function start() {
    const c = await startTestConsole(url(), { pages: [templatesPage], smtpUrl: sink().url });
    open.push(c);
    await seedIfEmpty(c.rt);
    await seedUser(c, 'ed@example.com', 'editor');
    await seedUser(c, 'vi@example.com', 'viewer');
    return { c, editor: await session(c, 'ed@example.com'), viewer: await session(c, 'vi@example.com') };
  }

  type Session = Awaited<ReturnType<typeof session>>;
  const api = (
    c: TestConsole,
    s: Session,
    path: string,
    body: object,
    headers: Record<string, string> = {},
  ) =>
    c.app.inject({
      method: 'POST',
      url: `/console/templates/birthday/${path}`,
      headers: {
        cookie: s.cookie,
        accept: 'application/json',
        'content-type': 'application/json',
        'x-csrf-token': s.csrf,
        ...ORIGIN,
        ...headers,
      },
      payload: JSON.stringify(body),
    });
  const draft = (html: string) => ({
    locale: '',
    subject: 'Happy birthday {{customer.first_name}}',
    html,
    text: '',
  });

  it('lists templates with their variants; a viewer reads the editor page without forms or script', async () => {
    const { editor, viewer } = await start();
    const list = await viewer.get('/console/templates');
    expect(list.statusCode).toBe(200);
    expect(flat(list.body)).toMatch(/<a href="\/console\/templates\/birthday">birthday<\/a>/);
    expect(flat(list.body)).toMatch(/published v1/);
    expect(list.body).toContain('partial:footer');
    const asViewer = await viewer.get('/console/templates/birthday');
    expect(asViewer.statusCode).toBe(200);
    expect(asViewer.body).not.toContain('template-editor');
    expect(asViewer.body).not.toMatch(/editor-\w+\.js/);
    expect(asViewer.body).toMatch(/<textarea[^>]*name="html"[^>]*readonly/);
    const asEditor = await editor.get('/console/templates/birthday');
    expect(asEditor.body).toMatch(/<meta name="csrf-token" content="[^"]+"/);
    expect(asEditor.body).toMatch(/<form[^>]*id="template-editor"/);
    expect(asEditor.body).toMatch(/data-base="\/console\/templates\/birthday\/"/);
    expect(asEditor.body).toMatch(/data-base-version="1"/);
    expect(asEditor.body).toMatch(/editor-\w+\.js/);
    expect((await editor.get('/console/templates/nope')).statusCode).toBe(404);
    expect((await editor.get('/console/templates/birthday?locale=%3Cx%3E')).statusCode).toBe(400);
  });

  it("refuses a viewer's forged changes and a post without the CSRF token with 403", async () => {
    const { c, editor, viewer } = await start();
    for (const path of ['check', 'draft', 'preview', 'test-send']) {
      const res = await api(c, viewer, path, { ...draft('<p>x</p>'), baseVersion: 1, to: 'a@example.com' });
      expect(res.statusCode, path).toBe(403);
      expect(res.json().error.code).toBe('E_CONSOLE_FORBIDDEN');
    }
    for (const path of ['save', 'publish']) {
      const res = await viewer.post(`/console/templates/birthday/${path}`, {
        version: '1',
        html: '<p>x</p>',
      });
      expect(res.statusCode, path).toBe(403);
    }
    expect((await viewer.post('/console/templates/birthday/restore', { version: '1' })).statusCode).toBe(403);
    const noToken = await api(
      c,
      editor,
      'draft',
      { ...draft('<p>x</p>'), baseVersion: 1 },
      { 'x-csrf-token': '' },
    );
    expect(noToken.statusCode).toBe(403);
    const history = await viewer.get('/console/templates/birthday/history');
    expect(history.statusCode).toBe(200);
    expect(history.body).not.toContain('/restore');
  });

  it('checks by line, saves drafts, answers a stale save with 409 and a refused publish with 422', async () => {
    const { c, editor } = await start();
    const checked = await api(c, editor, 'check', draft(LINE_7_ERROR));
    expect(checked.statusCode).toBe(200);
    expect(checked.json().problems[0]).toMatchObject({ tab: 'html', line: 7, severity: 'error' });
    const saved = await api(c, editor, 'draft', { ...draft(LINE_7_ERROR), baseVersion: 1 });
    expect(saved.json()).toMatchObject({ version: 2, author: 'ed@example.com', created: true });
    const stale = await api(c, editor, 'draft', { ...draft('<p>mine</p>'), baseVersion: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({
      code: 'E_CONFLICT',
      message: expect.stringMatching(/version 2/),
    });
    const refused = await api(c, editor, 'publish', { locale: '', version: 2 });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({
      code: 'E_TEMPLATE_INVALID',
      details: [expect.stringMatching(/^html:7: /)],
    });
    const bad = await api(c, editor, 'draft', { ...draft('<p>x</p>'), baseVersion: 'two' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/^baseVersion: /);
    await api(c, editor, 'draft', { ...draft('<p>Fixed {{customer.first_name}}</p>'), baseVersion: 2 });
    expect((await api(c, editor, 'publish', { locale: '', version: 3 })).json()).toEqual({ published: 3 });
    const audit = await listStaffAudit(c.db.knex, 10);
    expect(audit.map((a) => [a.actor, a.action, a.target])).toContainEqual([
      'ed@example.com',
      'template.publish',
      'birthday',
    ]);
  });

  it('serves the preview in its own sandbox CSP, framable only by the console', async () => {
    const { c, editor } = await start();
    const res = await api(
      c,
      editor,
      'preview',
      draft('<p>Dear {{customer.first_name}}</p><script>x()</script>'),
    );
    expect(res.statusCode).toBe(200);
    const { url: frameUrl, subject } = res.json() as { url: string; subject: string };
    expect(subject).toMatch(/^Happy birthday/);
    const frame = await editor.get(frameUrl);
    expect(frame.statusCode).toBe(200);
    expect(frame.headers['content-security-policy']).toBe(
      "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; frame-ancestors 'self'",
    );
    expect(frame.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(frame.body).toMatch(/Dear \w+/);
    expect((await editor.get('/console/templates/birthday/preview/unknown')).statusCode).toBe(404);
    const broken = await api(c, editor, 'preview', draft(`<p>{{event.data.item}</p>`));
    // A draft that does not compile is shown as the published version, its problems as warnings.
    expect(broken.statusCode).toBe(200);
    expect(broken.json().warnings).toEqual([expect.stringMatching(/^html:1: /)]);
    expect((await editor.get(broken.json().url)).body).toMatch(/birthday/i);
    const found = await editor.get('/console/templates/birthday/customers?q=zz');
    expect(found.json()).toEqual({ customers: [] });
  });

  it('saves and publishes from the plain form, showing refusals with what was typed', async () => {
    const { editor } = await start();
    const saved = await editor.post('/console/templates/birthday/save', {
      locale: '',
      baseVersion: '1',
      subject: 'Hi',
      html: '<p>Plain {{customer.first_name}}</p>',
      text: '',
      action: 'save',
    });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/console/templates/birthday?done=saved');
    const shown = await editor.get(saved.headers.location as string);
    expect(shown.body).toMatch(/role="status"/);
    expect(shown.body).toContain('&#60;p&#62;Plain {{customer.first_name}}&#60;/p&#62;');
    const conflict = await editor.post('/console/templates/birthday/save', {
      baseVersion: '1',
      subject: 'Hi',
      html: '<p>Typed meanwhile</p>',
      action: 'save',
    });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.body).toMatch(/role="alert"/);
    expect(conflict.body).toContain('&#60;p&#62;Typed meanwhile&#60;/p&#62;');
    const refused = await editor.post('/console/templates/birthday/save', {
      baseVersion: '2',
      subject: 'Hi',
      html: LINE_7_ERROR,
      action: 'publish',
    });
    expect(refused.statusCode).toBe(422);
    expect(flat(refused.body)).toMatch(/<li>html:7: [^<]+<\/li>/);
    const fr = await editor.post('/console/templates/birthday/save', {
      locale: 'fr',
      baseVersion: '',
      subject: 'Joyeux anniversaire',
      html: '<p>Bonjour {{customer.first_name}}</p>',
      action: 'publish',
    });
    expect(fr.headers.location).toBe('/console/templates/birthday?locale=fr&done=published');
    const list = await editor.get('/console/templates');
    expect(flat(list.body)).toMatch(/>fr<\/a> <span class="badge">published v1<\/span>/);
  });

  it('restores an old version as a new published one, audited, and diffs two versions', async () => {
    const { c, editor } = await start();
    await api(c, editor, 'draft', { ...draft('<p>Second {{customer.first_name}}</p>'), baseVersion: 1 });
    await api(c, editor, 'publish', { locale: '', version: 2 });
    const restored = await editor.post('/console/templates/birthday/restore', { locale: '', version: '1' });
    expect(restored.statusCode).toBe(303);
    const page = await editor.get(restored.headers.location as string);
    const text = flat(page.body);
    expect(text).toMatch(/role="status"/);
    expect(text).toMatch(
      /<th scope="row">v3<\/th> <td>ed@example.com<\/td> .*? <td>restore<\/td> <td> <span class="badge">in use<\/span> <span class="muted">published by ed@example.com <time/,
    );
    expect(text).toMatch(/<th scope="row">v1<\/th> <td>templates folder<\/td>/);
    const compared = await editor.get('/console/templates/birthday/history?from=2&to=3');
    expect(compared.body).toMatch(/<span class="diff-del">-&#60;p&#62;Second/);
    expect(compared.body).toContain('</span>\n<span');
    const audit = await listStaffAudit(c.db.knex, 10);
    expect(audit[0]).toMatchObject({
      actor: 'ed@example.com',
      action: 'template.restore',
      target: 'birthday',
    });
    const missing = await editor.post('/console/templates/birthday/restore', { version: '99' });
    expect(missing.statusCode).toBe(404);
  });

  it('sends test messages with [Test], records no delivery, and answers 429 past the limit', async () => {
    const { c, editor } = await start();
    const body = { ...draft('<p>Test body</p>'), to: 'me@example.com' };
    const first = await api(c, editor, 'test-send', body);
    expect(first.json()).toEqual({
      subject: expect.stringMatching(/^\[Test\] Happy birthday/),
      to: 'me@example.com',
    });
    const [message] = await sink().waitForMessages(1);
    expect(message!.envelope.to).toEqual(['me@example.com']);
    expect(await listDeliveries(c.db.knex, {})).toEqual([]);
    for (let i = 1; i < 10; i++) expect((await api(c, editor, 'test-send', body)).statusCode).toBe(200);
    const refused = await api(c, editor, 'test-send', body);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('E_RATE_LIMITED');
    const bad = await api(c, editor, 'test-send', { ...body, to: 'nope' });
    expect(bad.json().error).toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/^to: /) });
    const audit = await listStaffAudit(c.db.knex, 20);
    expect(audit.filter((a) => a.action === 'template.test-send')).toHaveLength(10);
  });
});
