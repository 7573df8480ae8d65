import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { parseDuration } from '../../src/config/duration.js';
import { AppError } from '../../src/errors.js';

function write(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'rapport-cfg-')), 'rapport.yaml');
  writeFileSync(file, yaml);
  return file;
}

function problems(
  yaml: string,
  templates = ['birthday', 'thank-you'],
  env: Record<string, string> = {},
): string[] {
  try {
    loadConfig({ file: write(yaml), env, templateExists: (name) => templates.includes(name) });
  } catch (error) {
    if (error instanceof AppError) return [...error.details];
    throw error;
  }
  return [];
}

const BASE = `business: { name: Shop, from: "Shop <a@shop.example>", postal_address: "1 Road", timezone: UTC }\n`;

describe('config', () => {
  it('accepts the shipped config with every template present', () => {
    const { config } = loadConfig({ file: 'config/rapport.yaml', env: {}, templateExists: () => true });
    expect(config.automations.map((a) => a.id)).toContain('birthday');
    expect(config.sending.max_lateness).toBe(24 * 3_600_000);
    expect(config.console.upcoming_refresh).toBe(10 * 60_000);
    expect(Object.isFrozen(config.sending)).toBe(true);
  });

  it('names the key path of every problem, one line each', () => {
    const found = problems(
      BASE +
        `sending: { window: { start: "08:00", end: "20:00" }, colour: blue }
automations:
  - { id: birthday, on: { birthday: true, at: "09:00" }, template: birthday }
  - { id: thanks, on: { event: purchase, after: soon }, template: thank-you }
  - { id: late, on: { birthday: true, at: "25:00" }, template: birthday }
  - { id: birthday, on: { date: "02-30" }, template: nope }
`,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'sending.colour: unknown key',
        'automations[1].on.after: "soon" is not a duration (e.g. 30m, 1h, 7d)',
        'automations[2].on.at: "25:00" is not a time (HH:MM)',
        'automations[3].on.date: "02-30" is not a calendar date (MM-DD)',
      ]),
    );
  });

  it('refuses what it would otherwise have to guess: a duration without a unit, a bad locale, a port past 65535', () => {
    const found = problems(
      `business: { name: Shop, from: "Shop <a@shop.example>", postal_address: "1 Road", timezone: UTC, locale: xx_invalid_ }
sending: { frequency_cap: { max: 2, per: 7 } }
automations:
  - { id: birthday, on: { birthday: true }, template: birthday }
`,
    );
    expect(found).toEqual([
      expect.stringMatching(/^business\.locale: "xx_invalid_" is not a locale/),
      'sending.frequency_cap.per: 7 has no unit: write 7s, 7m, 7h or 7d',
    ]);
    expect(problems(BASE + 'http: { listen: "127.0.0.1:80800" }\n')).toEqual([
      'http.listen: "127.0.0.1:80800" is not host:port (a port up to 65535)',
    ]);
    expect(problems(BASE + 'sending: { max_lateness: 0 }\n')).toEqual([]);
    expect(problems(BASE + 'console: { upcoming_refresh: 30s }\n')).toEqual([
      'console.upcoming_refresh: must be at least 1m',
    ]);
  });

  it('names the environment variable a bad value came from', () => {
    const found = problems(BASE, undefined, { RAPPORT_HTTP: 'localhost' });
    expect(found).toEqual([
      'http.listen: "localhost" is not host:port (a port up to 65535) (set by RAPPORT_HTTP)',
    ]);
  });

  it('reports cross-field problems: duplicate ids, unknown templates, missing postal address', () => {
    const found = problems(`business: { timezone: Mars/Olympus }
automations:
  - { id: birthday, on: { birthday: true }, template: birthday }
  - { id: birthday, on: { date: "12-24" }, template: holiday }
`);
    expect(found).toContain(
      'business.timezone: "Mars/Olympus" is not an IANA time zone (e.g. America/New_York)',
    );
    const again = problems(`automations:
  - { id: birthday, on: { birthday: true }, template: birthday }
  - { id: birthday, on: { date: "12-24" }, template: holiday }
`);
    expect(again).toContain('automations[1].id: "birthday" is already used by automations[0]');
    expect(again).toContain('automations[1].template: "holiday" is not a folder under templates/');
    expect(again.some((p) => p.startsWith('business.postal_address: required'))).toBe(true);
  });

  it('says which trigger keys are possible when none or two are given', () => {
    expect(
      problems(
        BASE + 'automations:\n  - { id: x, on: { birthday: true, date: "01-01" }, template: birthday }\n',
      ),
    ).toEqual([
      'automations[0].on: needs exactly one of event, birthday, anniversary, date, inactive, schedule',
    ]);
  });

  it('reports YAML syntax errors with the file and line', () => {
    const file = write('business:\n  name: [unclosed\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(AppError);
    try {
      loadConfig({ file, env: {} });
    } catch (error) {
      expect((error as AppError).details[0]).toMatch(
        new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `),
      );
    }
  });

  it('lets the environment override the file and keeps secrets out of the config', () => {
    const { config, secrets } = loadConfig({
      file: write(BASE),
      env: {
        DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/r',
        SMTP_URL: 'smtp://127.0.0.1:2525',
        RAPPORT_PUBLIC_URL: 'https://mail.shop.example',
        RAPPORT_HTTP: '0.0.0.0:9000',
        RAPPORT_SECRET: 's3cret-s3cret-s3cret-s3cret-s3cret',
        RAPPORT_API_TOKEN: 'tok-0123456789abcdefghijklmnopqrstuv',
      },
    });
    expect(config.database.url).toBe('postgres://u:p@127.0.0.1:5432/r');
    expect(config.smtp.url).toBe('smtp://127.0.0.1:2525');
    expect(config.http).toMatchObject({ listen: '0.0.0.0:9000', public_url: 'https://mail.shop.example' });
    expect(secrets).toEqual({
      signingKey: 's3cret-s3cret-s3cret-s3cret-s3cret',
      apiToken: 'tok-0123456789abcdefghijklmnopqrstuv',
    });
    expect(JSON.stringify(config)).not.toContain('s3cret');
  });

  it('runs with built-in defaults when there is no config file', () => {
    const cwd = process.cwd();
    process.chdir(mkdtempSync(join(tmpdir(), 'rapport-empty-')));
    try {
      const { config, source } = loadConfig({ env: {} });
      expect(source).toBe('(built-in defaults)');
      expect(config.database.url).toBe('sqlite:data/rapport.db');
      expect(config.automations).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('fails clearly when an explicit config file is missing', () => {
    expect(() => loadConfig({ file: '/nonexistent/rapport.yaml', env: {} })).toThrow(/does not exist/);
  });

  it('parses durations', () => {
    expect(parseDuration('90d')).toBe(90 * 86_400_000);
    expect(parseDuration('1d12h')).toBe(36 * 3_600_000);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('7 days')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
  });
});
