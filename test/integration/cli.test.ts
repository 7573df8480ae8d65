/**
 * The command line as a user runs it: exit codes, messages, JSON shapes, and the daemon's
 * banner and graceful stop as a real child process.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, writeTestConfig } from '../support/runtime.js';
import { TSX_LOADER } from '../support/daemon.js';
import { verifyToken } from '../../src/links/tokens.js';
import { cli } from '../support/cli.js';
import Database from 'better-sqlite3';

function workspace(): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-cli-'));
  return {
    dir,
    env: {
      RAPPORT_CONFIG: writeTestConfig(),
      DATABASE_URL: `sqlite:${join(dir, 'rapport.db')}`,
      SMTP_URL: `file:${join(dir, 'outbox')}`,
      RAPPORT_SECRET: 'cli-test-secret-0123456789abcdef0123',
      RAPPORT_LOG_LEVEL: 'silent',
    },
  };
}

function file(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('rapport CLI', () => {
  it('imports with per-line errors and the documented exit codes', async () => {
    const { dir, env } = workspace();
    const good = file(
      dir,
      'good.csv',
      'id,email,first_name,birthday,timezone\nc1,ann@example.com,Ann,1990-05-17,Europe/Paris\n',
    );
    expect(await cli(env, 'import', 'customers', good)).toMatchObject({ code: 0 });
    const again = await cli(env, 'import', 'customers', good);
    expect(again.code).toBe(0);
    expect(again.out).toContain('0 new, 0 changed, 1 unchanged');

    const mixed = file(
      dir,
      'mixed.csv',
      'id,email,birthday\nc2,bob@example.com,02-30\nc3,cat@example.com,\n',
    );
    const strict = await cli(env, 'import', 'customers', mixed, '--strict');
    expect(strict.code).toBe(3);
    expect(strict.err).toContain('line 2: birthday: "02-30" is not a real date');
    expect(strict.out).toContain('imported 1 (1 new');
    const run = await cli(env, 'import', 'customers', mixed);
    expect(run.code).toBe(0);
    expect(run.err).toContain('line 2: birthday: "02-30" is not a real date (imported without it)');
    expect(run.out).toContain('imported 2 (1 new, 0 changed, 1 unchanged)');

    expect((await cli(env, 'import', 'customers', join(dir, 'missing.csv'))).code).toBe(1);
    expect((await cli(env, 'import', 'people', good)).code).toBe(2);
    expect((await cli(env, 'import', 'customers', good, '--dry-run')).out).toContain('would import 1');
    const stdin = await cli(env, 'import', 'customers', '-');
    expect(stdin.code).toBe(1);
    expect(stdin.err).toContain('cannot tell the format of standard input');
  });

  it('simulate refuses a time without an offset rather than read it in the machine zone', async () => {
    const { env } = workspace();
    const run = await cli(env, 'simulate', '--from', '2027-01-01T09:00', '--to', '2027-01-02');
    expect(run.code).toBe(2);
    expect(run.err).toContain('--from: "2027-01-01T09:00" needs a time zone offset or Z');
    expect((await cli(env, 'simulate', '--from', '2027-01-01', '--to', '2027-01-01T12:00+01:00')).code).toBe(
      0,
    );
  });

  it('records opt-outs and suppressions and shows them in the books', async () => {
    const { dir, env } = workspace();
    await cli(env, 'import', 'customers', file(dir, 'c.csv', 'id,email\nc1,ann@example.com\n'));
    const un = await cli(env, 'unsubscribe', 'ANN@example.com');
    expect(un).toMatchObject({ code: 0 });
    expect(un.out).toContain('unsubscribed from all non-transactional mail');
    expect((await cli(env, 'unsubscribe', 'nobody@example.com')).code).toBe(1);
    expect((await cli(env, 'unsubscribe', 'ann@example.com', '--automation', 'nope')).code).toBe(2);
    expect((await cli(env, 'suppress', 'ann@example.com', '--reason', 'asked by phone')).out).toContain(
      'is suppressed',
    );
    expect((await cli(env, 'suppress', 'ann@example.com', '--remove')).out).toContain('no longer suppressed');
    const status = await cli(env, 'status', '--json');
    expect(JSON.parse(status.out)).toMatchObject({ customers: 1, deliveries: { sent: 0, pending: 0 } });
  });

  it('sends with start --once, lists deliveries as JSON Lines, and never twice', async () => {
    const { dir, env } = workspace();
    await cli(
      env,
      'import',
      'customers',
      file(dir, 'c.csv', 'id,email,first_name\nc1,ann@example.com,Ann\n'),
    );
    const at = new Date(Date.now() - 2 * 3_600_000).toISOString();
    await cli(
      env,
      'import',
      'events',
      file(dir, 'e.jsonl', `{"id":"o1","customer_id":"c1","type":"purchase","occurred_at":"${at}"}\n`),
    );
    expect((await cli(env, 'start', '--once')).out).toContain('sent 1');
    expect((await cli(env, 'start', '--once')).out).toContain('sent 0');
    // On a Monday morning the weekly digest is due too and is skipped for want of content;
    // what must hold on any day is that exactly one message went out.
    const jsonLines = async (...args: string[]): Promise<Record<string, string>[]> =>
      (await cli(env, 'deliveries', '--json', ...args)).out
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, string>);
    expect(await jsonLines('--status', 'sent')).toHaveLength(1);
    const lines = await jsonLines('--automation', 'thank-you');
    expect(lines).toHaveLength(1);
    expect(Object.keys(lines[0] ?? {})).toEqual([
      'id',
      'automation',
      'customer_id',
      'email',
      'occurrence',
      'status',
      'attempts',
      'due_at',
      'sent_at',
      'message_id',
      'error',
      'reason',
      'template',
      'template_version',
      'requested_locale',
      'resolved_locale',
      'subject',
      'mime_sha256',
    ]);
    expect(lines[0]).toMatchObject({
      automation: 'thank-you',
      customer_id: 'c1',
      occurrence: 'o1',
      status: 'sent',
    });
    expect((await cli(env, 'deliveries', '--status', 'bogus')).code).toBe(2);
  });

  it('check names the file and line of a broken template and exits 1', async () => {
    const { dir, env } = workspace();
    const templates = join(dir, 'templates');
    cpSync(join(REPO, 'templates'), templates, { recursive: true });
    writeFileSync(
      join(templates, 'birthday', 'html.hbs'),
      '<p>Hi {{customer.first_name}}</p>\n{{#if customer.email}}\n<p>unclosed\n',
    );
    const broken = { ...env, RAPPORT_CONFIG: writeTestConfig({ templates: { dir: templates } }) };
    const run = await cli(broken, 'check');
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/templates\/birthday\/html\.hbs:\d+: /);
    expect((await cli(env, 'check')).code).toBe(0);
  });

  it('reading commands leave a database that is behind as it is, and say how to update it', async () => {
    const { dir, env } = workspace();
    expect((await cli(env, 'migrate')).code).toBe(0);
    // As if the database came from an older release: its newest migration is not applied.
    const sqlite = new Database(join(dir, 'rapport.db'));
    const newest = sqlite.prepare('SELECT * FROM rapport_migrations ORDER BY id DESC LIMIT 1').get() as {
      id: number;
      name: string;
    };
    sqlite.prepare('DELETE FROM rapport_migrations WHERE id = ?').run(newest.id);
    const applied = () =>
      sqlite.prepare('SELECT name FROM rapport_migrations').all() as Array<{ name: string }>;
    const before = applied();

    const status = await cli(env, 'status');
    expect(status.code).toBe(1);
    expect(status.err).toContain(`is not up to date (1 migration to apply: ${newest.name})`);
    expect(status.err).toContain('run "rapport migrate"');
    expect((await cli(env, 'deliveries')).code).toBe(1);
    expect(applied()).toEqual(before);

    // Once it is applied, the same command reads.
    sqlite
      .prepare(
        'INSERT INTO rapport_migrations (id, name, batch, migration_time) VALUES (@id, @name, @batch, @migration_time)',
      )
      .run(newest);
    sqlite.close();
    expect((await cli(env, 'status')).code).toBe(0);
  });

  it('check and start refuse the same settings that cannot work, naming each key', async () => {
    const { env } = workspace();
    const cases: Array<[Record<string, string>, RegExp]> = [
      [
        { RAPPORT_CONFIG: writeTestConfig({ worker: { lease: 0 } }) },
        /worker\.lease: 0 is shorter than a batch can take/,
      ],
      [{ RAPPORT_CONFIG: writeTestConfig({ worker: { poll: '10ms' } }) }, /worker\.poll: 10ms is under 50ms/],
      [{ RAPPORT_API_TOKEN: 'a'.repeat(40) }, /RAPPORT_API_TOKEN is one character repeated/],
      [{ RAPPORT_SECRET: 'short' }, /RAPPORT_SECRET has 5 characters/],
      [{ SMTP_URL: 'smtp://relay.example:99999' }, /smtp\.url: .*not a valid URL.*\(set by SMTP_URL\)/],
      [{ DATABASE_URL: 'postgres://' }, /database\.url: .*\(set by DATABASE_URL\)/],
    ];
    for (const [override, message] of cases) {
      const bad = { ...env, ...override };
      for (const argv of [['check'], ['start', '--once'], ['start']]) {
        const run = await cli(bad, ...argv);
        expect({ argv, code: run.code }).toEqual({ argv, code: 1 });
        expect(run.err).toMatch(message);
      }
    }
  });

  it('previews a template as a MIME message', async () => {
    const { env } = workspace();
    const run = await cli(env, 'preview', 'birthday', '--format', 'eml');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^Content-Type: multipart\/alternative/m);
    expect(run.out).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    expect((await cli(env, 'preview', 'no-such-template')).code).toBe(1);
  });

  it('send-test for a real customer carries no working unsubscribe link for that customer', async () => {
    const { dir, env } = workspace();
    const customers = file(dir, 'c.csv', 'id,email,first_name\nc1,ann@example.com,Ann\n');
    expect((await cli(env, 'import', 'customers', customers)).code).toBe(0);
    const run = await cli(env, 'send-test', 'birthday', '--to', 'staff@example.com', '--customer', 'c1');
    expect(run.code).toBe(0);
    const [eml] = readdirSync(join(dir, 'outbox'));
    const raw = readFileSync(join(dir, 'outbox', eml as string), 'utf8');
    expect(raw).toContain('Ann');
    const token = /^List-Unsubscribe:\s*<[^>]*\/u\/([^>]+)>/m.exec(raw)?.[1];
    expect(token).toBeDefined();
    const signed = verifyToken(env.RAPPORT_SECRET as string, token as string, Date.now());
    expect(signed?.c).not.toBe('c1');
  });

  it('runs as a daemon: prints the banner, serves health, stops cleanly on SIGTERM', async () => {
    const { dir, env } = workspace();
    mkdirSync(join(dir, 'data'));
    // One process (node with tsx's loader), not the tsx wrapper: the wrapper SIGKILLs its child
    // when a relayed SIGTERM is not acknowledged within 30 ms, which under load made this exit 143.
    const child = spawn(process.execPath, ['--import', TSX_LOADER, join(REPO, 'src/bin.ts'), 'start'], {
      cwd: dir,
      env: { ...process.env, ...env, RAPPORT_HTTP: '127.0.0.1:0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /http\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
    });
    expect(out).toContain('No customers yet');
    expect(out).toMatch(/database\s+sqlite:/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
