/** What staff changed, by whom and when: written by the console and the users CLI, never edited. */
import type { Knex } from 'knex';
import { jsonObject, num, rowsOf, str, strOrNull } from './read.js';

export interface StaffAuditEntry {
  at: number;
  actor: string;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
}

export async function insertStaffAudit(knex: Knex, entry: StaffAuditEntry): Promise<void> {
  await knex('staff_audit').insert({
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    detail: JSON.stringify(entry.detail),
  });
}

/** The newest entries first. */
export async function listStaffAudit(knex: Knex, limit: number): Promise<StaffAuditEntry[]> {
  const rows = rowsOf(
    await knex('staff_audit')
      .select('at', 'actor', 'action', 'target', 'detail')
      .orderBy('id', 'desc')
      .limit(limit),
  );
  return rows.map((r) => ({
    at: num(r, 'at'),
    actor: str(r, 'actor'),
    action: str(r, 'action'),
    target: strOrNull(r, 'target'),
    detail: jsonObject(r, 'detail'),
  }));
}
