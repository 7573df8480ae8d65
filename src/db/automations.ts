/**
 * Automations as stored: the current definition of each (JSON, in the config file's format) and
 * an append-only history of changes. Every change bumps the outreach revision in the same
 * transaction, so each worker notices it on its next poll.
 */
import type { Knex } from 'knex';
import { bumpRevision, lockRevision } from './outreach-revision.js';
import { bool, jsonObject, jsonObjectOrNull, num, oneOf, rowOf, rowsOf, str, type Row } from './read.js';

const AUTOMATION_ACTIONS = ['created', 'edited', 'enabled', 'disabled', 'imported'] as const;
export type AutomationAction = (typeof AUTOMATION_ACTIONS)[number];

export interface StoredAutomation {
  id: string;
  /** The definition as written in the config file (without `enabled`). */
  definition: Record<string, unknown>;
  enabled: boolean;
  position: number;
  updated_by: string;
  updated_at: number;
}

export interface AutomationHistoryRow {
  id: number;
  automation_id: string;
  action: AutomationAction;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  author: string;
  created_at: number;
}

/** One automation's new state; `before` null when it is new. */
export interface AutomationChange {
  id: string;
  action: AutomationAction;
  definition: Record<string, unknown>;
  enabled: boolean;
  before: StoredAutomation | null;
}

function storedRow(row: Row): StoredAutomation {
  return {
    id: str(row, 'id'),
    definition: jsonObject(row, 'definition'),
    enabled: bool(row, 'enabled'),
    position: num(row, 'position'),
    updated_by: str(row, 'updated_by'),
    updated_at: num(row, 'updated_at'),
  };
}

/** The history's view of a state: the definition with `enabled`, as an export writes it. */
export function asWritten(definition: Record<string, unknown>, enabled: boolean): Record<string, unknown> {
  const { enabled: _ignored, ...rest } = definition;
  return enabled ? rest : { ...rest, enabled: false };
}

export async function listStoredAutomations(knex: Knex): Promise<StoredAutomation[]> {
  return rowsOf(await knex('automations').orderBy(['position', 'id'])).map(storedRow);
}

export async function getStoredAutomation(knex: Knex, id: string): Promise<StoredAutomation | null> {
  const row = rowOf(await knex('automations').where('id', id).first());
  return row ? storedRow(row) : null;
}

export async function automationHistory(knex: Knex, id: string): Promise<AutomationHistoryRow[]> {
  const rows = rowsOf(await knex('automation_history').where('automation_id', id).orderBy('id'));
  return rows.map((row) => ({
    id: num(row, 'id'),
    automation_id: str(row, 'automation_id'),
    action: oneOf(row, 'action', AUTOMATION_ACTIONS),
    before: jsonObjectOrNull(row, 'before'),
    after: jsonObjectOrNull(row, 'after'),
    author: str(row, 'author'),
    created_at: num(row, 'created_at'),
  }));
}

/**
 * Applies changes in one transaction, with one history row each, and bumps the revision once.
 * `prepare` runs inside the transaction after the revision lock is taken, so changes computed
 * from the stored state cannot interleave with another writer's.
 */
export async function applyAutomationChanges(
  knex: Knex,
  prepare: (stored: StoredAutomation[]) => AutomationChange[],
  author: string,
  now: number,
): Promise<AutomationChange[]> {
  return knex.transaction(async (trx) => {
    await lockRevision(trx);
    const stored = await listStoredAutomations(trx);
    const changes = prepare(stored);
    if (changes.length === 0) return changes;
    let position = stored.reduce((max, s) => Math.max(max, s.position), -1);
    for (const change of changes) {
      const values = {
        definition: JSON.stringify(change.definition),
        enabled: change.enabled,
        updated_by: author,
        updated_at: now,
      };
      if (change.before) await trx('automations').where('id', change.id).update(values);
      else await trx('automations').insert({ id: change.id, position: ++position, ...values });
      await trx('automation_history').insert({
        automation_id: change.id,
        action: change.action,
        before: change.before
          ? JSON.stringify(asWritten(change.before.definition, change.before.enabled))
          : null,
        after: JSON.stringify(asWritten(change.definition, change.enabled)),
        author,
        created_at: now,
      });
    }
    await bumpRevision(trx, now);
    return changes;
  });
}
