/**
 * The part of `rapport check` that looks at the data: an automation waiting for an event type
 * that no stored event has is most often a misspelling (`purchased` for `purchase`). Warnings
 * only: a new installation has no events yet.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { openDatabase } from '../db/connect.js';
import { eventTypesPresent } from '../db/events.js';

/** Every event type the automations name, with the key path that names it. */
export function eventTypeReferences(config: Config): Array<{ path: string; type: string }> {
  const refs: Array<{ path: string; type: string }> = [];
  config.automations.forEach((a, i) => {
    if ('event' in a.on) refs.push({ path: `automations[${i}].on.event`, type: a.on.event });
    if ('inactive' in a.on)
      refs.push({ path: `automations[${i}].on.inactive.event`, type: a.on.inactive.event });
    if (a.unless) refs.push({ path: `automations[${i}].unless.event`, type: a.unless.event });
  });
  return refs;
}

/** One warning per reference to a type no stored event has; none when the database is not there yet. */
export async function eventTypeWarnings(config: Config): Promise<string[]> {
  const refs = eventTypeReferences(config);
  if (refs.length === 0) return [];
  const url = config.database.url;
  if (
    url.startsWith('sqlite:') &&
    url !== 'sqlite::memory:' &&
    !existsSync(resolve(url.slice('sqlite:'.length)))
  )
    return [];
  const db = openDatabase(url);
  try {
    const present = await eventTypesPresent(
      db.knex,
      refs.map((r) => r.type),
    );
    return refs
      .filter((r) => !present.has(r.type))
      .map(
        (r) =>
          `warning: ${r.path}: no stored event has type "${r.type}" (types are compared without case; check the spelling)`,
      );
  } catch {
    // A database not migrated yet has no events table: nothing to compare with.
    return [];
  } finally {
    await db.close();
  }
}
