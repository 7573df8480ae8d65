/**
 * The pieces every command shares: configuration, database (migrated), logger, link key.
 * Built here and in app.ts only; nothing else constructs them.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from './config/schema.js';
import { loadConfig, type LoadedConfig } from './config/load.js';
import { checkStoredSecret, loadOrCreateSecret } from './config/secret.js';
import { openDatabase, type Database } from './db/connect.js';
import { isEmptySchema, migrate, pendingMigrations } from './db/migrations.js';
import { restoreSetAsideIndexes } from './db/set-aside-indexes.js';
import type { Logger } from './log.js';
import { AppError } from './errors.js';
import type { MailerOptions } from './deliver/mailer.js';
import { seedAutomations } from './outreach/automations.js';
import { LiveAutomations } from './outreach/live-automations.js';
import { errnoCode } from './error-fields.js';

export interface RuntimeOptions {
  configFile?: string;
  /**
   * 'migrate' (the default) applies pending migrations; 'current' only checks that none are
   * pending, for commands that read: they must not change the schema behind a running daemon.
   */
  schema?: 'migrate' | 'current';
  env: Record<string, string | undefined>;
  log: Logger;
  now?: () => number;
}

export interface Runtime {
  loaded: LoadedConfig;
  config: Config;
  log: Logger;
  now: () => number;
  templatesDir: string;
}

export interface DbRuntime extends Runtime {
  db: Database;
  /** Migrations applied while opening. */
  applied: string[];
  /** Key that signs unsubscribe and preference links. */
  signingKey: string;
  /** The automations in use (the database's); `config.automations` reads them. */
  automations: LiveAutomations;
  close(): Promise<void>;
}

/**
 * Load and validate the configuration and the environment: templates are checked to exist by
 * folder, the DKIM key and a stored link key are read. `rapport check` and `rapport start` both
 * come through here, so a setting one refuses the other refuses too.
 */
export function openConfig(options: RuntimeOptions): Runtime {
  const loaded = loadConfig({
    file: options.configFile,
    env: options.env,
    templateExists: templateFolderExists,
  });
  mailerOptions(loaded.config);
  if (loaded.secrets.signingKey === undefined) checkStoredSecret(SECRET_FILE());
  return {
    loaded,
    config: loaded.config,
    log: options.log,
    now: options.now ?? Date.now,
    templatesDir: resolve(loaded.config.templates.dir),
  };
}

export function templateFolderExists(name: string, dir: string): boolean {
  const path = join(resolve(dir), name);
  return existsSync(path) && statSync(path).isDirectory();
}

/** Where a generated link key is kept, from the working directory. */
const SECRET_FILE = () => resolve('data', 'secret');

/** Configuration plus a migrated database. */
export async function openRuntime(options: RuntimeOptions): Promise<DbRuntime> {
  const runtime = openConfig(options);
  const db = openDatabase(runtime.config.database.url);
  try {
    const applied = options.schema === 'current' ? await requireCurrentSchema(db) : await migrate(db.knex);
    if (options.schema !== 'current') await restoreInterruptedImport(db, runtime.log);
    const signingKey = loadOrCreateSecret(runtime.loaded.secrets.signingKey, SECRET_FILE());
    const automations = await openAutomations(runtime, db, options.schema !== 'current');
    return {
      ...runtime,
      config: automations.config(),
      db,
      applied,
      signingKey,
      automations,
      close: async () => {
        automations.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Customer indexes that an import set aside and did not build again (it was killed) are built
 * now, by the next command that may write: the daemon's start, `rapport migrate`, an import.
 */
async function restoreInterruptedImport(db: Database, log: Logger): Promise<void> {
  const built = await restoreSetAsideIndexes(db.knex);
  if (built.length > 0)
    log.warn(
      { indexes: built },
      `built ${built.length} customer indexes that an interrupted import had set aside`,
    );
}

/**
 * The automations from the database, after seeding it with the file's that it does not have
 * (commands that may write only). Until something is stored, the file's are used as they are.
 */
async function openAutomations(runtime: Runtime, db: Database, seed: boolean): Promise<LiveAutomations> {
  const deps = {
    knex: db.knex,
    config: runtime.config,
    templateExists: templateFolderExists,
    now: runtime.now,
  };
  if (seed) await seedAutomations(deps, runtime.loaded.rawAutomations);
  const live = new LiveAutomations(deps, runtime.log, runtime.config.worker.outreach_poll);
  await live.refresh();
  return live;
}

/**
 * A reading command's schema check. An empty database (a fresh install: `rapport preview` before
 * the first import) is set up, as no daemon can be using it; one that is behind is left alone.
 */
async function requireCurrentSchema(db: Database): Promise<string[]> {
  const pending = await pendingMigrations(db.knex);
  if (pending.length > 0 && (await isEmptySchema(db.knex))) return migrate(db.knex);
  if (pending.length > 0) {
    throw new AppError(
      'E_DB_BEHIND',
      `${db.describe} is not up to date (${pending.length} migration${pending.length === 1 ? '' : 's'} to apply: ` +
        `${pending.join(', ')}): run "rapport migrate" or start the daemon, which applies them`,
    );
  }
  return [];
}

/** Mail transport options from the config; the DKIM key is read from its file here, once. */
export function mailerOptions(config: Config, poolSize = config.smtp.pool_size): MailerOptions {
  const dkim = config.smtp.dkim;
  const timeoutMs = config.smtp.timeout;
  if (!dkim) return { poolSize, timeoutMs };
  let privateKey: string;
  try {
    privateKey = readFileSync(resolve(dkim.private_key_file), 'utf8');
  } catch (error) {
    throw new AppError(
      'E_DKIM_KEY',
      `smtp.dkim.private_key_file: cannot read ${dkim.private_key_file} (${errnoCode(error) ?? 'error'})`,
    );
  }
  if (!privateKey.includes('PRIVATE KEY')) {
    throw new AppError(
      'E_DKIM_KEY',
      `smtp.dkim.private_key_file: ${dkim.private_key_file} is not a PEM private key`,
    );
  }
  return { poolSize, timeoutMs, dkim: { domainName: dkim.domain, keySelector: dkim.selector, privateKey } };
}
