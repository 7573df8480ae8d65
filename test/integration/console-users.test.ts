/**
 * Managing console users on both databases: the owners' users page, the account page, the
 * last owner rule, sessions ended by a reset or a removal, the one-time setup link, the audit
 * log, and the session cookie's flags over a real connection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import {
  FORM,
  ORIGIN,
  PASSWORD,
  form,
  seedUser,
  session,
  sessionCookie,
  signIn,
  startTestConsole,
  type TestConsole,
} from '../support/console.js';
import { listStaffAudit } from '../../src/db/staff-audit.js';
import { countSessionsOfUser } from '../../src/db/staff-sessions.js';
import { ensureSetupLink, setupBannerLine } from '../../src/console/setup.js';
import { listStaff } from '../../src/console/staff.js';

const HOUR = 3_600_000;
const text = (body: string) => body.replace(/\s+/g, ' ');

describe.each(databases())('console users on %s', (database) => {
  const url = database.fresh('test');
  let c: TestConsole;
  afterEach(async () => c?.close());

  it('lets an owner add users (a generated password shown once), change roles and remove them, all audited', async () => {
    c = await startTestConsole(url());
    await seedUser(c, 'owner@corner.example', 'owner');
    const o = await session(c, 'owner@corner.example');
    const list = await o.get('/console/users');
    expect(list.statusCode).toBe(200);
    expect(text(list.body)).toContain('<label for="new-email">Email</label>');

    const added = await o.post('/console/users', {
      email: 'Ed@Corner.example',
      role: 'editor',
      password: '',
    });
    expect(added.statusCode).toBe(200);
    const generated = /shown only now: <code>([^<]+)<\/code>/.exec(text(added.body))?.[1];
    expect(generated).toMatch(/^[\w-]{27}$/);
    expect((await signIn(c, 'ed@corner.example', generated)).statusCode).toBe(303);
    const again = await o.post('/console/users', {
      email: 'ed@corner.example',
      role: 'viewer',
      password: '',
    });
    expect(again.statusCode).toBe(409);
    expect(text(again.body)).toContain('ed@corner.example is already a console user');
    const weak = await o.post('/console/users', {
      email: 'vi@corner.example',
      role: 'viewer',
      password: 'short',
    });
    expect(weak.statusCode).toBe(400);
    expect(text(weak.body)).toContain('at least 12 characters');

    const ed = (await listStaff(c.db)).find((u) => u.email === 'ed@corner.example');
    expect((await o.post(`/console/users/${ed?.id}/role`, { role: 'viewer' })).statusCode).toBe(200);
    expect((await listStaff(c.db)).find((u) => u.email === 'ed@corner.example')?.role).toBe('viewer');
    const edSession = await session(c, 'ed@corner.example', generated);
    expect((await o.post(`/console/users/${ed?.id}/remove`, {})).statusCode).toBe(200);
    expect((await edSession.get('/console/account')).statusCode).toBe(303);
    expect((await listStaff(c.db)).map((u) => u.email)).toEqual(['owner@corner.example']);

    const audit = (await listStaffAudit(c.db.knex, 50)).filter((a) => a.action.startsWith('user.'));
    expect(audit.map((a) => [a.actor, a.action, a.target])).toEqual([
      ['owner@corner.example', 'user.remove', 'ed@corner.example'],
      ['owner@corner.example', 'user.role', 'ed@corner.example'],
      ['owner@corner.example', 'user.add', 'ed@corner.example'],
      ['test', 'user.add', 'owner@corner.example'],
    ]);
    expect(audit[1]?.detail).toEqual({ from: 'editor', to: 'viewer' });
    expect(JSON.stringify(audit)).not.toContain(generated);
  });

  it('never removes or demotes the last owner', async () => {
    c = await startTestConsole(url());
    const owner = await seedUser(c, 'owner@corner.example', 'owner');
    const o = await session(c, 'owner@corner.example');
    const remove = await o.post(`/console/users/${owner.id}/remove`, {});
    expect(remove.statusCode).toBe(409);
    expect(text(remove.body)).toContain(
      'owner@corner.example is the last owner: make someone else owner first',
    );
    expect((await o.post(`/console/users/${owner.id}/role`, { role: 'editor' })).statusCode).toBe(409);
    expect((await listStaff(c.db))[0]?.role).toBe('owner');
    // With a second owner, the first may go.
    const second = await seedUser(c, 'second@corner.example', 'owner');
    expect((await o.post(`/console/users/${owner.id}/role`, { role: 'viewer' })).statusCode).toBe(200);
    expect((await o.get('/console/users')).statusCode).toBe(403);
    const s = await session(c, 'second@corner.example');
    expect((await s.post(`/console/users/${second.id}/remove`, {})).statusCode).toBe(409);
  });

  it("ends a person's sessions when an owner resets their password", async () => {
    c = await startTestConsole(url());
    await seedUser(c, 'owner@corner.example', 'owner');
    const viewer = await seedUser(c, 'viewer@corner.example', 'viewer');
    const v = await session(c, 'viewer@corner.example');
    const o = await session(c, 'owner@corner.example');
    const reset = await o.post(`/console/users/${viewer.id}/password`, {
      password: 'another good passphrase',
    });
    expect(reset.statusCode).toBe(200);
    expect(await countSessionsOfUser(c.db.knex, viewer.id)).toBe(0);
    expect((await v.get('/console/account')).statusCode).toBe(303);
    expect((await signIn(c, 'viewer@corner.example')).statusCode).toBe(401);
    expect((await signIn(c, 'viewer@corner.example', 'another good passphrase')).statusCode).toBe(303);
  });

  it('changes your own password only with the current one, keeping this session and ending the others', async () => {
    c = await startTestConsole(url());
    const me = await seedUser(c, 'ed@corner.example', 'editor');
    const here = await session(c, 'ed@corner.example');
    const elsewhere = await session(c, 'ed@corner.example');
    const next = 'a brand new passphrase';
    const wrong = await here.post('/console/account/password', {
      current: 'not it at all!',
      password: next,
      confirm: next,
    });
    expect(wrong.statusCode).toBe(400);
    expect(text(wrong.body)).toContain('The current password is not right.');
    const weak = await here.post('/console/account/password', {
      current: PASSWORD,
      password: 'ed@corner.example!',
      confirm: 'ed@corner.example!',
    });
    expect(weak.statusCode).toBe(400);
    const ok = await here.post('/console/account/password', {
      current: PASSWORD,
      password: next,
      confirm: next,
    });
    expect(ok.statusCode).toBe(200);
    expect((await here.get('/console/account')).statusCode).toBe(200);
    expect((await elsewhere.get('/console/account')).statusCode).toBe(303);
    expect(await countSessionsOfUser(c.db.knex, me.id)).toBe(1);
    expect((await signIn(c, 'ed@corner.example', next)).statusCode).toBe(303);
    const actions = (await listStaffAudit(c.db.knex, 10)).map((a) => a.action);
    expect(actions).toContain('user.change_password');
  });

  it('counts wrong current passwords on the account page like failed sign-ins', async () => {
    c = await startTestConsole(url());
    await seedUser(c, 'ed@corner.example', 'editor');
    const here = await session(c, 'ed@corner.example');
    const next = 'a brand new passphrase';
    for (let i = 0; i < 5; i++) {
      const wrong = await here.post('/console/account/password', {
        current: `guess number ${i}`,
        password: next,
        confirm: next,
      });
      expect(wrong.statusCode).toBe(400);
    }
    const paused = await here.post('/console/account/password', {
      current: PASSWORD,
      password: next,
      confirm: next,
    });
    expect(paused.statusCode).toBe(429);
    expect((await signIn(c, 'ed@corner.example')).statusCode).toBe(429);
  });

  it('creates the first owner through a single-use setup link that expires after 24 hours', async () => {
    c = await startTestConsole(url(), { publicUrl: 'https://mail.corner.example/' });
    const first = await ensureSetupLink(c.deps);
    const link = await ensureSetupLink(c.deps);
    expect(link).toMatch(/^https:\/\/mail\.corner\.example\/console\/setup\/[\w-]{43}$/);
    expect(setupBannerLine(link as string)).toBe(`console: no user yet — create the first owner at ${link}`);
    const path = new URL(link as string).pathname;
    // Every worker's start prints a link, and each works until someone is created.
    const firstPath = new URL(first as string).pathname;
    expect(firstPath).not.toBe(path);
    expect((await c.app.inject({ method: 'GET', url: firstPath })).statusCode).toBe(200);
    expect((await c.app.inject({ method: 'GET', url: path })).statusCode).toBe(200);
    const origin = { origin: 'https://mail.corner.example' };
    const post = (fields: Record<string, string>) =>
      c.app.inject({ method: 'POST', url: path, headers: { ...FORM, ...origin }, payload: form(fields) });
    const mismatch = await post({
      email: 'ana@corner.example',
      password: PASSWORD,
      confirm: 'something else!',
    });
    expect(mismatch.statusCode).toBe(400);
    const created = await post({ email: 'Ana@Corner.example', password: PASSWORD, confirm: PASSWORD });
    expect(created.statusCode).toBe(303);
    const cookie = sessionCookie(created.headers['set-cookie']);
    const home = await c.app.inject({ method: 'GET', url: '/console/users', headers: { cookie } });
    expect(text(home.body)).toContain('ana@corner.example');
    expect(
      (await post({ email: 'eve@corner.example', password: PASSWORD, confirm: PASSWORD })).statusCode,
    ).toBe(404);
    expect((await c.app.inject({ method: 'GET', url: firstPath })).statusCode).toBe(404);
    const viaFirst = await c.app.inject({
      method: 'POST',
      url: firstPath,
      headers: { ...FORM, ...origin },
      payload: form({ email: 'eve@corner.example', password: PASSWORD, confirm: PASSWORD }),
    });
    expect(viaFirst.statusCode).toBe(404);
    expect((await listStaff(c.db)).map((u) => [u.email, u.role])).toEqual([['ana@corner.example', 'owner']]);
    expect(await ensureSetupLink(c.deps)).toBeUndefined();
    const audit = await listStaffAudit(c.db.knex, 10);
    expect(audit.find((a) => a.action === 'user.add')).toMatchObject({
      actor: 'setup-link',
      target: 'ana@corner.example',
    });
  });

  it('refuses an expired setup link', async () => {
    c = await startTestConsole(url());
    const path = new URL((await ensureSetupLink(c.deps)) as string).pathname;
    c.clock.now += 24 * HOUR;
    expect((await c.app.inject({ method: 'GET', url: path })).statusCode).toBe(404);
    const late = await c.app.inject({
      method: 'POST',
      url: path,
      headers: { ...FORM, ...ORIGIN },
      payload: form({ email: 'ana@corner.example', password: PASSWORD, confirm: PASSWORD }),
    });
    expect(late.statusCode).toBe(404);
    expect(await listStaff(c.db)).toEqual([]);
  });
});

describe.each(databases())('console session cookie on %s', (database) => {
  const url = database.fresh('test');
  let c: TestConsole;
  afterEach(async () => c?.close());

  it('is HttpOnly, SameSite=Strict, only for /console, and not Secure on an http public URL (real connection)', async () => {
    c = await startTestConsole(url());
    await seedUser(c, 'owner@corner.example', 'owner');
    const base = await c.app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${base}/console/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...FORM, origin: base },
      body: form({ email: 'owner@corner.example', password: PASSWORD }),
    });
    expect(res.status).toBe(303);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^rapport_console=[\w-]{43};/);
    expect(setCookie).toContain('Path=/console');
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain(`Max-Age=${7 * 24 * 3600}`);
    expect(setCookie).not.toContain('Secure');
    const account = await fetch(`${base}/console/account`, {
      headers: { cookie: setCookie.split(';')[0] as string },
    });
    expect(account.status).toBe(200);
    expect(account.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('is Secure when the public URL is https', async () => {
    c = await startTestConsole(url(), { publicUrl: 'https://mail.corner.example' });
    await seedUser(c, 'owner@corner.example', 'owner');
    const res = await c.app.inject({
      method: 'POST',
      url: '/console/login',
      headers: { ...FORM, origin: 'https://mail.corner.example' },
      payload: form({ email: 'owner@corner.example', password: PASSWORD }),
    });
    expect(String(res.headers['set-cookie'])).toContain('Secure');
  });
});
