/**
 * `rapport users …` end to end on both databases: add with a password from standard input, typed
 * twice on a terminal, or generated; list; reset-password and remove end sessions; the last owner
 * stays; every change is audited as `cli:<os user>`.
 */
import { mkdtempSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { writeTestConfig } from '../support/runtime.js';
import { cli, cliWithInput } from '../support/cli.js';
import { openDatabase } from '../../src/db/connect.js';
import { listStaffAudit } from '../../src/db/staff-audit.js';
import { countSessionsOfUser, insertStaffSession } from '../../src/db/staff-sessions.js';
import { findStaffByEmail } from '../../src/db/staff-users.js';
import { verifyPassword } from '../../src/console/password.js';

describe.each(databases())('rapport users on %s', (database) => {
  const url = database.fresh('test');

  function environment() {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-users-'));
    return {
      RAPPORT_CONFIG: writeTestConfig(),
      DATABASE_URL: url(),
      SMTP_URL: `file:${join(dir, 'outbox')}`,
      RAPPORT_SECRET: 'cli-test-secret-0123456789abcdef0123',
      RAPPORT_LOG_LEVEL: 'silent',
    };
  }

  async function withDb<T>(fn: (db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
    const db = openDatabase(url());
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  it('adds, lists, resets and removes users; refuses the last owner; audits every change', async () => {
    const env = environment();
    expect((await cli(env, 'users', 'list')).out).toContain('no console users yet');
    const added = await cliWithInput(
      env,
      'correct horse battery\n',
      'users',
      'add',
      'Owner@Corner.example',
      '--role',
      'owner',
      '--password-stdin',
    );
    expect(added).toMatchObject({ code: 0, out: 'added owner@corner.example as owner\n' });
    // Not a terminal and no --password-stdin: a strong password is generated and printed once.
    const generated = await cli(env, 'users', 'add', 'viewer@corner.example', '--role', 'viewer');
    expect(generated.code).toBe(0);
    const password = /shown once.*: ([\w-]{27})$/m.exec(generated.out)?.[1] as string;
    expect(password).toBeDefined();
    await withDb(async (db) => {
      const viewer = await findStaffByEmail(db.knex, 'viewer@corner.example');
      expect(await verifyPassword(password, viewer?.password_hash ?? '')).toBe(true);
    });

    const json = (await cli(env, 'users', 'list', '--json')).out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(json.map((u) => [u.email, u.role])).toEqual([
      ['owner@corner.example', 'owner'],
      ['viewer@corner.example', 'viewer'],
    ]);
    expect((await cli(env, 'users', 'list')).out).toMatch(/viewer@corner\.example\s+viewer/);

    const duplicate = await cliWithInput(
      env,
      'correct horse battery\n',
      'users',
      'add',
      'owner@corner.example',
      '--role',
      'editor',
      '--password-stdin',
    );
    expect(duplicate).toMatchObject({
      code: 1,
      err: 'rapport: owner@corner.example is already a console user\n',
    });
    const weak = await cliWithInput(
      env,
      'short\n',
      'users',
      'add',
      'ed@corner.example',
      '--role',
      'editor',
      '--password-stdin',
    );
    expect(weak.code).toBe(1);
    expect(weak.err).toContain('at least 12 characters');
    expect((await cli(env, 'users', 'add', 'ed@corner.example', '--role', 'boss')).code).toBe(2);
    expect((await cli(env, 'users', 'add', 'ed@corner.example')).code).toBe(2);

    const lastOwner = await cli(env, 'users', 'remove', 'owner@corner.example');
    expect(lastOwner).toMatchObject({
      code: 1,
      err: 'rapport: owner@corner.example is the last owner: make someone else owner first\n',
    });

    // A session of the viewer, as the console would have stored it: reset and removal end it.
    const viewerId = await withDb(async (db) => {
      const viewer = await findStaffByEmail(db.knex, 'viewer@corner.example');
      const row = {
        user_id: viewer?.id as number,
        csrf_secret: 'x',
        created_at: 1,
        last_seen_at: 1,
        expires_at: 2,
        ip: null,
        user_agent: null,
      };
      await insertStaffSession(db.knex, { id: 'a'.repeat(64), ...row });
      return viewer?.id as number;
    });
    const reset = await cliWithInput(
      env,
      'a new passphrase here\n',
      'users',
      'reset-password',
      'viewer@corner.example',
      '--password-stdin',
    );
    expect(reset).toMatchObject({
      code: 0,
      out: 'password of viewer@corner.example reset; their console sessions have ended\n',
    });
    await withDb(async (db) => expect(await countSessionsOfUser(db.knex, viewerId)).toBe(0));
    expect((await cli(env, 'users', 'role', 'viewer@corner.example', '--role', 'editor')).out).toBe(
      'viewer@corner.example is now editor\n',
    );
    expect((await cli(env, 'users', 'remove', 'viewer@corner.example')).code).toBe(0);
    expect((await cli(env, 'users', 'remove', 'viewer@corner.example')).err).toBe(
      'rapport: no console user viewer@corner.example\n',
    );

    await withDb(async (db) => {
      const audit = await listStaffAudit(db.knex, 20);
      expect(audit.map((a) => a.action)).toEqual([
        'user.remove',
        'user.role',
        'user.reset_password',
        'user.add',
        'user.add',
      ]);
      expect(new Set(audit.map((a) => a.actor))).toEqual(new Set([`cli:${userInfo().username}`]));
      expect(audit[2]?.detail).toEqual({ sessions_ended: 1 });
    });
  });

  it('prompts twice without echo on a terminal, and refuses two different entries', async () => {
    const env = environment();
    const run = async (answers: string[]) => {
      // A fake terminal: raw mode is accepted, input is typed only once each prompt listens.
      const stream = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stream });
      const pending = cliWithInput(env, stream, 'users', 'add', 'ed@corner.example', '--role', 'editor');
      for (const answer of answers) {
        await new Promise((resolve) => stream.once('resume', resolve));
        stream.write(answer);
      }
      return pending;
    };
    const differ = await run(['first passphrase!\r', 'second passphrase\r']);
    expect(differ).toMatchObject({ code: 2, err: expect.stringContaining('the two passwords differ') });
    const ok = await run(['the same passphrase\r', 'the same passphrase\r']);
    expect(ok.code).toBe(0);
    expect(ok.out).not.toContain('passphrase');
    expect(ok.err).toContain('New password for ed@corner.example (not shown):');
    await withDb(async (db) => {
      const ed = await findStaffByEmail(db.knex, 'ed@corner.example');
      expect(await verifyPassword('the same passphrase', ed?.password_hash ?? '')).toBe(true);
    });
  });
});
