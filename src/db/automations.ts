/**
 * Automations as stored: the current definition of each (JSON, in the config file's format) and
 * an append-only history of changes. Every change bumps the outreach revision in the same
 * transaction, so each worker notices it on its next poll.
 */
import type { Knex } from 'knex';
import { bumpRevision, lockRevision } from './outreach-revision.js';

export type AutomationAction = 'created' | 'edited' | 'enabled' | 'disabled' | 'imported';

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

function json(value: unknown): Record<string, unknown> | null {
  return value === null || value === undefined
    ? null
    : (JSON.parse(String(value)) as Record<string, unknown>);
}

function storedRow(row: Record<string, unknown>): StoredAutomation {
  return {
    id: String(row.id),
    definition: json(row.definition) ?? {},
    enabled: Boolean(row.enabled),
    position: Number(row.position),
    updated_by: String(row.updated_by),
    updated_at: Number(row.updated_at),
  };
}

/** The history's view of a state: the definition with `enabled`, as an export writes it. */
export function asWritten(definition: Record<string, unknown>, enabled: boolean): Record<string, unknown> {
  const { enabled: _ignored, ...rest } = definition;
  return enabled ? rest : { ...rest, enabled: false };
}

export async function listStoredAutomations(knex: Knex): Promise<StoredAutomation[]> {
  const rows = (await knex('automations').orderBy(['position', 'id'])) as Array<Record<string, unknown>>;
  return rows.map(storedRow);
}

export async function getStoredAutomation(knex: Knex, id: string): Promise<StoredAutomation | null> {
  const row = (await knex('automations').where('id', id).first()) as Record<string, unknown> | undefined;
  return row ? storedRow(row) : null;
}

export async function automationHistory(knex: Knex, id: string): Promise<AutomationHistoryRow[]> {
  const rows = (await knex('automation_history').where('automation_id', id).orderBy('id')) as Array<
    Record<string, unknown>
  >;
  return rows.map((row) => ({
    id: Number(row.id),
    automation_id: String(row.automation_id),
    action: row.action as AutomationAction,
    before: json(row.before),
    after: json(row.after),
    author: String(row.author),
    created_at: Number(row.created_at),
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
