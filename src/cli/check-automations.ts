/**
 * The part of `rapport check` about automations as stored: each is validated with the same
 * messages as the file's, and a file entry that differs from the database is a note (the
 * database's is the one in use; the file only seeds and imports).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openDatabase } from '../db/connect.js';
import { asWritten, listStoredAutomations, type StoredAutomation } from '../db/automations.js';
import { AppError } from '../errors.js';
import { differingFromFile, parseWritten } from '../outreach/automations.js';
import { named } from '../outreach/live-automations.js';
import { templateFolderExists, type Runtime } from '../runtime.js';

export interface StoredReport {
  /** How many are stored (0: the database has none yet, or does not exist). */
  stored: number;
  problems: string[];
  notes: string[];
}

export async function checkStoredAutomations(rt: Runtime): Promise<StoredReport> {
  const stored = await readStored(rt.config.database.url);
  if (stored.length === 0) return { stored: 0, problems: [], notes: [] };
  const problems: string[] = [];
  try {
    const written = stored.map((s) => ({ ...asWritten(s.definition, s.enabled), id: s.id }));
    const deps = {
      knex: null as never,
      config: rt.config,
      templateExists: templateFolderExists,
      now: rt.now,
    };
    parseWritten(deps, written, 'stored automations:');
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    problems.push(...error.details.map((d) => `database: ${named(d, stored)}`));
  }
  const differing = differingFromFile(rt.loaded.rawAutomations, stored);
  const notes =
    differing.length === 0
      ? []
      : [
          `note: the database's automations are in use; the file's differ for: ${differing.join(', ')} ` +
            '(run "rapport automations import FILE" to apply them)',
        ];
  return { stored: stored.length, problems, notes };
}

/** What the database holds; nothing when it does not exist yet or was never migrated this far. */
async function readStored(url: string): Promise<StoredAutomation[]> {
  if (
    url.startsWith('sqlite:') &&
    url !== 'sqlite::memory:' &&
    !existsSync(resolve(url.slice('sqlite:'.length)))
  )
    return [];
  const db = openDatabase(url);
  try {
    if (!(await db.knex.schema.hasTable('automations'))) return [];
    return await listStoredAutomations(db.knex);
  } finally {
    await db.close();
  }
}
