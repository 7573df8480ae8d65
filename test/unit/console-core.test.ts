/**
 * The console's pure parts: password hashing and policy, the escaping `html` template and the
 * page shell, where a sign-in may return to, which origins may post, and session expiry.
 */
import { describe, expect, it } from 'vitest';
import {
  checkPassword,
  generatePassword,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from '../../src/console/password.js';
import { html, page, raw } from '../../src/console/layout.js';
import { hasRole, safeNext } from '../../src/console/guards.js';
import { sameSite } from '../../src/console/csrf.js';
import { sessionState } from '../../src/console/session.js';

describe('staff passwords', () => {
  it('stores scrypt with its parameters and a random salt, and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{86}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('correct horse battery', 'bcrypt$whatever')).toBe(false);
    expect(await verifyPassword('correct horse battery', a.replace('$32768$', '$1073741824$'))).toBe(false);
  });

  it('refuses short passwords and ones built from the email address', () => {
    expect(passwordProblem('short pass', 'ana@corner.example')).toMatch(/at least 12 characters \(got 10\)/);
    expect(passwordProblem('ana@corner.example1', 'ana@corner.example')).toMatch(/email address/);
    expect(passwordProblem('my name is maria!!', 'maria@corner.example')).toMatch(/email address/);
    expect(passwordProblem('aaaaaaaaaaaaaaaa', 'ana@corner.example')).toMatch(/distinct/);
    expect(passwordProblem('correct horse battery', 'ana@corner.example')).toBeUndefined();
    expect(() => checkPassword('short', 'ana@corner.example')).toThrow(
      expect.objectContaining({ code: 'E_PASSWORD_WEAK' }),
    );
    const generated = generatePassword();
    expect(generated).toHaveLength(27);
    expect(passwordProblem(generated, 'ana@corner.example')).toBeUndefined();
  });
});

describe('console html', () => {
  it('escapes values unless they are raw() or html, and joins arrays', () => {
    const name = '<script>alert("x")</script>';
    // prettier-ignore
    const out = html`<p title="${name}">${name}${raw('<b>ok</b>')}${[html`<i>${'&'}</i>`, 'a<b']}${null}${false}</p>`;
    expect(out.value).toBe(
      '<p title="&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;">&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;<b>ok</b><i>&#38;</i>a&#60;b</p>',
    );
  });

  it('builds the shell: navigation for the role, sign-out with the token, assets, no nav when signed out', () => {
    const owner = page({
      title: 'Users',
      staff: { id: 1, email: 'o@x.example', role: 'owner' },
      csrf: 'tok"en',
      active: 'users',
      body: html`<p>hi</p>`,
    });
    expect(owner).toContain('<nav aria-label="Console">');
    expect(owner).toMatch(/<a href="\/console\/users"\s+aria-current="page">Users<\/a>/);
    expect(owner).toContain('value="tok&#34;en"');
    // The built files, by their hashed names when the client is built.
    expect(owner).toMatch(/<link rel="stylesheet" href="\/console\/assets\/console(-\w+)?\.css"/);
    expect(owner).toMatch(/<script type="module" src="\/console\/assets\/console(-\w+)?\.js"><\/script>/);
    expect(owner).toMatch(/<main class="console-main">\s*<p>hi<\/p>\s*<\/main>/);
    const viewer = page({
      title: 'T',
      staff: { id: 2, email: 'v@x.example', role: 'viewer' },
      csrf: 't',
      body: html``,
    });
    expect(viewer).toContain('>Suppressions</a>');
    expect(viewer).not.toContain('>Users</a>');
    const out = page({ title: 'Sign in', staff: null, csrf: null, body: html`` });
    expect(out).not.toContain('<nav');
  });
});

describe('console guards', () => {
  it('ranks roles owner > editor > viewer', () => {
    const editor = { id: 1, email: 'e@x.example', role: 'editor' as const };
    expect(hasRole(editor, 'viewer')).toBe(true);
    expect(hasRole(editor, 'editor')).toBe(true);
    expect(hasRole(editor, 'owner')).toBe(false);
    expect(hasRole(null, 'viewer')).toBe(false);
  });

  it('returns after sign-in only to a console path on this site', () => {
    expect(safeNext('/console/customers?q=a%20b')).toBe('/console/customers?q=a%20b');
    expect(safeNext('/console')).toBe('/console');
    for (const bad of [
      '//evil.example',
      '/console/../admin',
      'https://evil.example/console/',
      '/console\\..\\x',
      '/console/\nx',
      42,
      undefined,
    ]) {
      expect(safeNext(bad)).toBe('/console/');
    }
  });

  it('lets a change through only from the console origin when a browser names one', () => {
    const url = 'https://mail.corner.example';
    expect(sameSite({ origin: 'https://mail.corner.example' }, url, 'http')).toBe(true);
    expect(sameSite({ origin: 'http://10.0.0.5:8080', host: '10.0.0.5:8080' }, url, 'http')).toBe(true);
    expect(sameSite({ origin: 'https://evil.example', host: 'mail.corner.example' }, url, 'https')).toBe(
      false,
    );
    expect(sameSite({ origin: 'null' }, url, 'https')).toBe(false);
    expect(sameSite({ 'sec-fetch-site': 'same-origin' }, url, 'https')).toBe(true);
    expect(sameSite({ 'sec-fetch-site': 'same-site' }, url, 'https')).toBe(false);
    expect(sameSite({}, url, 'https')).toBe(true);
  });

  it('expires a session when idle too long or past its end, and writes last_seen at most once a minute', () => {
    const row = { last_seen_at: 1_000_000, expires_at: 5_000_000 };
    const idle = 600_000;
    expect(sessionState(row, 1_030_000, idle)).toBe('fresh');
    expect(sessionState(row, 1_060_000, idle)).toBe('touch');
    expect(sessionState(row, 1_600_000, idle)).toBe('expired');
    expect(sessionState({ last_seen_at: 4_990_000, expires_at: 5_000_000 }, 5_000_000, idle)).toBe('expired');
  });
});
