import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { AppError } from '../../src/errors.js';

function load(yaml: string, env: Record<string, string> = {}) {
  const file = join(mkdtempSync(join(tmpdir(), 'rapport-hooks-config-')), 'rapport.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ file, env, templateExists: () => true }).config;
}

function problems(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    load(yaml, env);
    return [];
  } catch (error) {
    return [...(error as AppError).details];
  }
}

describe('config: hooks and import', () => {
  it('takes webhook secrets from the environment over the file', () => {
    const config = load('hooks: { stripe: { secret: from-the-file-123 } }\n', {
      RAPPORT_HOOKS_SHOPIFY_SECRET: 'shpss_from_env',
      RAPPORT_HOOKS_STRIPE_SECRET: 'whsec_from_env',
      RAPPORT_HOOKS_SQUARE_SIGNATURE_KEY: 'square-key-123',
      RAPPORT_HOOKS_SQUARE_NOTIFICATION_URL: 'https://shop.example/hooks/square',
    });
    expect(config.hooks.shopify).toEqual({ secret: 'shpss_from_env' });
    expect(config.hooks.stripe).toEqual({ secret: 'whsec_from_env', tolerance: 5 * 60_000 });
    expect(config.hooks.square).toEqual({
      signature_key: 'square-key-123',
      notification_url: 'https://shop.example/hooks/square',
    });
    expect(config.hooks.woocommerce).toBeUndefined();
  });

  it('names the variable when a value from the environment is wrong', () => {
    expect(problems('', { RAPPORT_HOOKS_WOOCOMMERCE_SECRET: 'short' })).toEqual([
      'hooks.woocommerce.secret: a webhook secret has at least 8 characters (set by RAPPORT_HOOKS_WOOCOMMERCE_SECRET)',
    ]);
  });

  it('wants exactly one of token or secret on an inbound hook', () => {
    expect(problems('hooks: { in: { pos: { kind: customers } } }\n')).toEqual([
      'hooks.in.pos: give exactly one of token or secret',
    ]);
    expect(
      problems('hooks: { in: { pos: { kind: events, token: tok-12345678, secret: sec-12345678 } } }\n'),
    ).toHaveLength(1);
    expect(
      load('hooks: { in: { pos: { kind: events, token: tok-12345678, type: Visit } } }\n').hooks.in.pos,
    ).toMatchObject({ type: 'visit', map: {} });
  });

  it('reads event types in lower case, and consent words', () => {
    const config = load('import: { consent: { no: [abgemeldet] } }\n');
    expect(config.import.consent).toEqual({ yes: [], no: ['abgemeldet'] });
  });
});
