/**
 * A Rapport runtime for integration tests: the shipped config with chosen overrides, a fresh
 * database, the shipped templates, a fixed clock, and no log output.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { shippedConfigWith } from '../../bench/config.js';
import { silentLogger } from '../../src/log.js';
import { openRuntime, type DbRuntime } from '../../src/runtime.js';

export const REPO = resolve(import.meta.dirname, '../..');

export interface TestRuntimeOptions {
  databaseUrl: string;
  smtpUrl: string;
  now: () => number;
  /** Deep-merged over the shipped config/rapport.yaml. */
  config?: Record<string, unknown>;
}

/** Writes a config file (shipped config + overrides) into a temp dir; returns its path. */
export function writeTestConfig(overrides: Record<string, unknown> = {}): string {
  const merged = shippedConfigWith(REPO, overrides);
  const dir = mkdtempSync(join(tmpdir(), 'rapport-config-'));
  const file = join(dir, 'rapport.yaml');
  writeFileSync(file, stringify(merged));
  return file;
}

export async function openTestRuntime(o: TestRuntimeOptions): Promise<DbRuntime> {
  return openRuntime({
    configFile: writeTestConfig(o.config),
    env: {
      DATABASE_URL: o.databaseUrl,
      SMTP_URL: o.smtpUrl,
      RAPPORT_SECRET: 'test-secret-0123456789abcdef0123456789',
    },
    log: silentLogger,
    now: o.now,
  });
}
