// Settings that pass the schema but cannot work are refused when the configuration loads (so
// by `rapport start` and `rapport check` alike), each naming its key.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { databaseUrlProblem, secretProblem, smtpUrlProblem } from '../../src/config/sanity.js';
import { AppError } from '../../src/errors.js';

const BASE = `business: { name: Shop, from: "Shop <a@shop.example>", timezone: UTC }\n`;

function problems(yaml: string, env: Record<string, string> = {}): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'rapport-sanity-')), 'rapport.yaml');
  writeFileSync(file, BASE + yaml);
  try {
    loadConfig({ file, env });
  } catch (error) {
    if (error instanceof AppError) return [...error.details];
    throw error;
  }
  return [];
}

describe('settings that cannot work', () => {
  it('refuses a lease shorter than a batch can take, naming the bound', () => {
    expect(problems('worker: { lease: 0 }')).toEqual([
      'worker.lease: 0 is shorter than a batch can take (500 messages at 50/s, plus smtp.timeout 1m for the last one): use at least 70s',
    ]);
    // 10 s of sending at 50/s, plus the 60 s timeout.
    expect(problems('worker: { lease: 69s }')).toHaveLength(1);
    expect(problems('worker: { lease: 70s }')).toEqual([]);
    // A smaller batch or a shorter timeout lowers the bound; a higher rate does too.
    expect(problems('worker: { lease: 15s, batch_size: 50 }\nsmtp: { timeout: 10s }')).toEqual([]);
    expect(problems('worker: { lease: 15s }\nsending: { rate_limit: 1000 }\nsmtp: { timeout: 10s }')).toEqual(
      [],
    );
    expect(problems('worker: { lease: 15s }\nsmtp: { timeout: 10s }')[0]).toMatch(
      /^worker\.lease: 15s .* at least 20s$/,
    );
  });

  it('refuses a poll under 50 ms and a send timeout under a second', () => {
    expect(problems('worker: { poll: 10ms }')).toEqual([
      'worker.poll: 10ms is under 50ms; the default is 1s',
    ]);
    expect(problems('worker: { poll: 50ms }')).toEqual([]);
    expect(problems('smtp: { timeout: 0 }')).toContainEqual(
      expect.stringMatching(/^smtp\.timeout: 0 would cut off sends/),
    );
  });

  it('refuses HTTP timeouts no client could meet', () => {
    expect(problems('http: { header_timeout: 0 }')).toEqual([
      'http.header_timeout: 0 is under 100ms; no client could make it',
    ]);
    expect(problems('http: { header_timeout: 20s, body_timeout: 10s }')).toEqual([
      'http.body_timeout: 10s is shorter than http.header_timeout (20s); the body comes after the head',
    ]);
    expect(problems('http: { header_timeout: 5s, body_timeout: 1m, max_connections: 10 }')).toEqual([]);
  });

  it('refuses a weak RAPPORT_SECRET or RAPPORT_API_TOKEN by name', () => {
    const weak = problems('', { RAPPORT_SECRET: 'x'.repeat(40), RAPPORT_API_TOKEN: 'short' });
    expect(weak).toEqual([
      'RAPPORT_SECRET is one character repeated; use a random value (for example: openssl rand -base64 32)',
      'RAPPORT_API_TOKEN has 5 characters; it needs at least 32 (for example: openssl rand -base64 32)',
    ]);
    expect(secretProblem('RAPPORT_API_TOKEN', '7Qm2v9Zt0pXw4LrB8sKd1NfYh6GcJ3Ua')).toBeNull();
  });

  it.each([
    ['smtp://relay.example:587', null],
    ['smtps://user:p%40ss@relay.example:465', null],
    ['file:data/outbox', null],
    ['file:', /needs a folder/],
    ['smtp://', /names no host|not a valid URL/],
    ['smtp://relay.example:99999', /not a valid URL/],
    ['smtp://user:p@ss@relay.example/x', /has a path|not a valid URL/],
    ['smtp://relay.example:25?proxy=socks5://127.0.0.1:1080', /proxy option is not supported/],
    ['mail.example.com:25', /must start with smtp:\/\/, smtps:\/\/ or file:/],
  ])('SMTP_URL %s', (url, expected) => {
    const problem = smtpUrlProblem(url);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });

  it.each([
    ['sqlite:data/rapport.db', null],
    ['postgres://u:p@127.0.0.1:5432/r', null],
    ['sqlite:', /needs a file path/],
    ['postgres://', /not a valid URL|names no host/],
    ['postgres://u:p@host:70000/db', /not a valid URL/],
    ['mysql://u@h/db', /must start with sqlite: or postgres:\/\//],
  ])('DATABASE_URL %s', (url, expected) => {
    const problem = databaseUrlProblem(url);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });

  it('names the environment variable a bad URL came from, and never shows its password', () => {
    const found = problems('', { SMTP_URL: 'smtp://user:hunter2@relay.example:99999' });
    expect(found).toEqual([expect.stringMatching(/^smtp\.url: .*not a valid URL.* \(set by SMTP_URL\)$/)]);
    expect(found[0]).not.toContain('hunter2');
  });
});
