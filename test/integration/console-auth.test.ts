/**
 * Console sign-in, sessions, CSRF and roles on both databases, through a fastify instance built
 * in the test: same answer for a wrong password and an unknown address, rate limits per account
 * and per address, idle and absolute expiry with an injected clock, cookie flags, forged posts.
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
import { countSessionsOfUser } from '../../src/db/staff-sessions.js';
import { listStaff } from '../../src/console/staff.js';
import { requireRole } from '../../src/console/guards.js';
import { csrfField, html, page } from '../../src/console/layout.js';
import type { ConsolePage } from '../../src/console/plugin.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The page's text with markup whitespace collapsed, as a person reads it. */
function text(body: string): string {
  return body.replace(/\s+/g, ' ');
}

function alertOf(body: string): string | undefined {
  return /<p role="alert">([^<]*)<\/p>/.exec(text(body))?.[1]?.trim();
}

describe.each(databases())('console sign-in on %s', (database) => {
  const url = database.fresh('test');
  let c: TestConsole;
  afterEach(async () => c?.close());

  it('signs in with the right password; a wrong password and an unknown address get the same answer', async () => {
    c = await startTestConsole(url());
    await seedUser(c, 'owner@corner.example', 'owner');
    const ok = await signIn(c, 'Owner@Corner.example');
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/console/');
    const cookie = sessionCookie(ok.headers['set-cookie']);
    const account = await c.app.inject({ method: 'GET', url: '/console/account', headers: { cookie } });
    expect(account.statusCode).toBe(200);
    expect(account.body).toContain('Signed in as owner@corner.example (owner)');

    const wrong = await signIn(c, 'owner@corner.example', 'not the password at all');
    const unknown = await signIn(c, 'nobody@corner.example', PASSWORD);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(alertOf(wrong.body)).toBe('Wrong email or password.');
    expect(alertOf(unknown.body)).toBe(alertOf(wrong.body));
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('pauses an account after 5 failures in 15 minutes, even for the right password, then lets it in', async () => {
    c = await startTestConsole(url());
    await seedUser(c, 'owner@corner.example', 'owner');
    for (let i = 0; i < 5; i++) {
      expect((await signIn(c, 'owner@corner.example', `wrong password ${i}`)).statusCode).toBe(401);
      c.clock.now += MINUTE;
    }
    const blocked = await signIn(c, 'owner@corner.example');
    expect(blocked.statusCode).toBe(429);
    expect(text(blocked.body)).toContain('Try again after 15:15 UTC (in 10 minutes)');
    expect(blocked.headers['retry-after']).toBe(String(10 * 60));
    // Another account from the same address is not paused by this one's failures.
    await seedUser(c, 'editor@corner.example', 'editor');
    expect((await signIn(c, 'editor@corner.example')).statusCode).toBe(303);

    c.clock.now += 10 * MINUTE;
    expect((await signIn(c, 'owner@corner.example')).statusCode).toBe(303);
  });

  it('pauses an address after 20 failures in 15 minutes, whatever account it tries', async () => {
    c = await startTestConsole(url());
    await seedUser(c, 'owner@corner.example', 'owner');
    for (let i = 0; i < 20; i++) {
      expect((await signIn(c, `guess${i}@corner.example`, 'some password here')).statusCode).toBe(401);
    }
    expect((await signIn(c, 'owner@corner.example')).statusCode).toBe(429);
    const elsewhere = await c.app.inject({
      method: 'POST',
      url: '/console/login',
      remoteAddress: '10.0.0.9',
      headers: { ...FORM, ...ORIGIN },
      payload: form({ email: 'owner@corner.example', password: PASSWORD }),
    });
    expect(elsewhere.statusCode).toBe(303);
  });

  it('ends a session after 12 hours idle and 7 days after sign-in, however active', async () => {
    c = await startTestConsole(url());
    await seedUser(c, 'owner@corner.example', 'owner');
    const s = await session(c, 'owner@corner.example');
    c.clock.now += 11 * HOUR;
    expect((await s.get('/console/account')).statusCode).toBe(200);
    c.clock.now += 11 * HOUR;
    expect((await s.get('/console/account')).statusCode).toBe(200);
    c.clock.now += 12 * HOUR;
    const idle = await s.get('/console/account');
    expect(idle.statusCode).toBe(303);
    expect(idle.headers.location).toBe('/console/login?next=%2Fconsole%2Faccount');

    const t = await session(c, 'owner@corner.example');
    const start = c.clock.now;
    while (c.clock.now + 11 * HOUR < start + 7 * 24 * HOUR) {
      c.clock.now += 11 * HOUR;
      expect((await t.get('/console/account')).statusCode).toBe(200);
    }
    c.clock.now = start + 7 * 24 * HOUR;
    expect((await t.get('/console/account')).statusCode).toBe(303);
  });

  it('rotates the session on sign-in and ends it on sign-out', async () => {
    c = await startTestConsole(url());
    const owner = await seedUser(c, 'owner@corner.example', 'owner');
    const s = await session(c, 'owner@corner.example');
    const again = await c.app.inject({
      method: 'POST',
      url: '/console/login',
      headers: { ...FORM, ...ORIGIN, cookie: s.cookie },
      payload: form({ email: 'owner@corner.example', password: PASSWORD }),
    });
    const fresh = sessionCookie(again.headers['set-cookie']);
    expect(fresh).not.toBe(s.cookie);
    expect((await s.get('/console/account')).statusCode).toBe(303);
    expect(await countSessionsOfUser(c.db.knex, owner.id)).toBe(1);

    const t = await session(c, 'owner@corner.example');
    const out = await t.post('/console/logout', {});
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/console/login');
    expect((await t.get('/console/account')).statusCode).toBe(303);
  });

  it('refuses a POST without the CSRF token, from another site, or with a stale token', async () => {
    c = await startTestConsole(url());
    await seedUser(c, 'owner@corner.example', 'owner');
    const s = await session(c, 'owner@corner.example');
    const change = {
      current: PASSWORD,
      password: 'a brand new passphrase',
      confirm: 'a brand new passphrase',
    };
    const noToken = await c.app.inject({
      method: 'POST',
      url: '/console/account/password',
      headers: { cookie: s.cookie, ...FORM, ...ORIGIN },
      payload: form(change),
    });
    expect(noToken.statusCode).toBe(403);
    expect(text(noToken.body)).toContain('came from another site or has expired');
    const crossSite = await s.post('/console/account/password', change, { origin: 'https://evil.example' });
    expect(crossSite.statusCode).toBe(403);
    const fetchSite = await s.post('/console/account/password', change, { 'sec-fetch-site': 'cross-site' });
    expect(fetchSite.statusCode).toBe(403);
    const other = await session(c, 'owner@corner.example');
    const foreignToken = await c.app.inject({
      method: 'POST',
      url: '/console/account/password',
      headers: { cookie: s.cookie, ...FORM, ...ORIGIN },
      payload: form({ _csrf: other.csrf, ...change }),
    });
    expect(foreignToken.statusCode).toBe(403);
    // Nothing changed: the old password still signs in.
    expect((await signIn(c, 'owner@corner.example')).statusCode).toBe(303);
    // The header form of the token works for scripts.
    const viaHeader = await c.app.inject({
      method: 'POST',
      url: '/console/logout',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'sec-fetch-site': 'same-origin' },
    });
    expect(viaHeader.statusCode).toBe(303);
    // A cross-site sign-in form is refused too.
    const login = await signInFrom(c, 'https://evil.example');
    expect(login.statusCode).toBe(403);
  });

  it('lets viewers read but not change: a forged POST gets 403 and changes nothing', async () => {
    c = await startTestConsole(url());
    await seedUser(c, 'owner@corner.example', 'owner');
    await seedUser(c, 'viewer@corner.example', 'viewer');
    const v = await session(c, 'viewer@corner.example');
    expect((await v.get('/console/users')).statusCode).toBe(403);
    const forged = await v.post('/console/users', {
      email: 'mallory@corner.example',
      role: 'owner',
      password: '',
    });
    expect(forged.statusCode).toBe(403);
    expect((await listStaff(c.db)).map((u) => u.email)).toEqual([
      'owner@corner.example',
      'viewer@corner.example',
    ]);
    const json = await c.app.inject({
      method: 'POST',
      url: '/console/users',
      headers: {
        cookie: v.cookie,
        'x-csrf-token': v.csrf,
        accept: 'application/json',
        'content-type': 'application/json',
      },
      payload: JSON.stringify({ email: 'mallory@corner.example', role: 'owner' }),
    });
    expect(json.statusCode).toBe(403);
    expect(json.json()).toMatchObject({ error: 'E_CONSOLE_FORBIDDEN' });
    expect(await listStaff(c.db)).toHaveLength(2);
  });

  it('sends the signed-out to sign-in (pages) or answers 401 (JSON), and returns only to console paths', async () => {
    c = await startTestConsole(url());
    await seedUser(c, 'owner@corner.example', 'owner');
    const pageRes = await c.app.inject({ method: 'GET', url: '/console/users?sort=email' });
    expect(pageRes.statusCode).toBe(303);
    expect(pageRes.headers.location).toBe('/console/login?next=%2Fconsole%2Fusers%3Fsort%3Demail');
    const api = await c.app.inject({
      method: 'GET',
      url: '/console/users',
      headers: { accept: 'application/json' },
    });
    expect(api.statusCode).toBe(401);
    expect(api.json()).toMatchObject({ error: 'E_CONSOLE_SIGNED_OUT' });
    for (const [next, expected] of [
      ['/console/users?sort=email', '/console/users?sort=email'],
      ['//evil.example/console/', '/console/'],
      ['https://evil.example/console/', '/console/'],
      ['/console/\\evil.example', '/console/'],
      ['/consoles', '/console/'],
    ]) {
      const res = await c.app.inject({
        method: 'POST',
        url: '/console/login',
        headers: { ...FORM, ...ORIGIN },
        payload: form({ email: 'owner@corner.example', password: PASSWORD, next: next as string }),
      });
      expect(res.headers.location, next).toBe(expected);
    }
  });

  it('sets the CSP on every console response, serves a console 404, and mounts pages handed in', async () => {
    const home: ConsolePage = {
      name: 'home',
      register(scope) {
        scope.get('/', async (request, reply) =>
          reply.type('text/html').send(
            page({
              title: 'Home',
              staff: request.staff,
              csrf: request.csrf,
              active: 'dashboard',
              body: html`<h1>Home</h1>`,
            }),
          ),
        );
        scope.post('/act', { preHandler: requireRole('editor') }, async () => ({ done: true }));
        scope.get('/form', async (request) => csrfField(request.csrf).value);
      },
    };
    c = await startTestConsole(url(), { pages: [home] });
    await seedUser(c, 'editor@corner.example', 'editor');
    const signedOut = await c.app.inject({ method: 'GET', url: '/console/nowhere' });
    expect(signedOut.statusCode).toBe(303);
    expect(signedOut.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const e = await session(c, 'editor@corner.example');
    const missing = await e.get('/console/nowhere');
    expect(missing.statusCode).toBe(404);
    expect(text(missing.body)).toContain('There is no such console page');
    expect(missing.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const homePage = await e.get('/console/');
    expect(homePage.statusCode).toBe(200);
    expect(homePage.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(homePage.body).toContain('<a href="/console/" aria-current="page">Dashboard</a>');
    expect(homePage.body).not.toContain('>Users</a>');
    expect((await e.post('/console/act', {})).json()).toEqual({ done: true });
    const forged = await c.app.inject({
      method: 'POST',
      url: '/console/act',
      headers: { cookie: e.cookie, ...ORIGIN },
    });
    expect(forged.statusCode).toBe(403);
  });
});

function signInFrom(c: TestConsole, origin: string) {
  return c.app.inject({
    method: 'POST',
    url: '/console/login',
    headers: { ...FORM, origin },
    payload: form({ email: 'owner@corner.example', password: PASSWORD }),
  });
}
