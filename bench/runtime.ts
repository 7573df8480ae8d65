/**
 * A Rapport runtime for one measure: the shipped config/rapport.yaml with chosen overrides,
 * the shipped templates, a given database and SMTP URL, and no log output.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { shippedConfigWith } from './config.js';
import { silentLogger } from '../src/log.js';
import { openRuntime, type DbRuntime } from '../src/runtime.js';

/** The repository (dist-tools/bench/ → ../..), where config/ and templates/ live. */
const REPO = resolve(import.meta.dirname, '../..');
export const TEMPLATES = join(REPO, 'templates');
export const SECRET = 'bench-secret-0123456789abcdef0123456789';
export const API_TOKEN = 'bench-api-token-0123456789abcdef01234567';

export interface BenchRuntimeOptions {
  databaseUrl: string;
  smtpUrl?: string;
  /** Deep-merged over the shipped configuration. */
  config?: Record<string, unknown>;
  now?: () => number;
  apiToken?: boolean;
}

function writeConfig(overrides: Record<string, unknown> = {}): string {
  const merged = shippedConfigWith(REPO, overrides);
  const file = join(mkdtempSync(join(tmpdir(), 'rapport-bench-config-')), 'rapport.yaml');
  writeFileSync(file, stringify(merged));
  return file;
}

export async function openBenchRuntime(o: BenchRuntimeOptions): Promise<DbRuntime> {
  const configFile = writeConfig(o.config);
  try {
    return await openRuntime({
      configFile,
      env: {
        DATABASE_URL: o.databaseUrl,
        SMTP_URL: o.smtpUrl ?? 'smtp://127.0.0.1:9',
        RAPPORT_SECRET: SECRET,
        RAPPORT_HTTP: '127.0.0.1:0',
        ...(o.apiToken ? { RAPPORT_API_TOKEN: API_TOKEN } : {}),
      },
      log: silentLogger,
      ...(o.now ? { now: o.now } : {}),
    });
  } finally {
    // Read once at start; nothing looks at the file again.
    rmSync(dirname(configFile), { recursive: true, force: true });
  }
}
