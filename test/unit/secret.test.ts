// The signing key for links: generated once and kept, never short.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateSecret } from '../../src/config/secret.js';

const fileIn = () => join(mkdtempSync(join(tmpdir(), 'rapport-secret-')), 'data', 'secret');

describe('loadOrCreateSecret', () => {
  it('generates a key once (mode 0600) and returns the same one afterwards', () => {
    const file = fileIn();
    const first = loadOrCreateSecret(undefined, file);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecret(undefined, file)).toBe(first);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
  });

  it('uses RAPPORT_SECRET when given, and refuses a short one by name', () => {
    const file = fileIn();
    const key = 'k0123456789abcdefghijklmnopqrstuv';
    expect(loadOrCreateSecret(key, file)).toBe(key);
    expect(() => loadOrCreateSecret('short', file)).toThrow(
      /RAPPORT_SECRET has 5 characters; it needs at least 32/,
    );
    expect(() => loadOrCreateSecret('k'.repeat(40), file)).toThrow(
      /RAPPORT_SECRET is one character repeated/,
    );
  });

  it('refuses an empty or short key file instead of signing links with it', () => {
    const file = fileIn();
    loadOrCreateSecret(undefined, file);
    writeFileSync(file, '\n');
    expect(() => loadOrCreateSecret(undefined, file)).toThrow(
      /holds 0 characters.*Delete it.*RAPPORT_SECRET/,
    );
    writeFileSync(file, 'abc\n');
    expect(() => loadOrCreateSecret(undefined, file)).toThrow(/holds 3 characters/);
    writeFileSync(file, `${'a'.repeat(44)}\n`);
    expect(() => loadOrCreateSecret(undefined, file)).toThrow(/holds 44 characters.*one character repeated/);
  });
});
