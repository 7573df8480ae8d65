/** What staff changed, by whom and when: written by the console and the users CLI, never edited. */
import type { Knex } from 'knex';

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
  const rows: Array<{ at: number; actor: string; action: string; target: string | null; detail: string }> =
    await knex('staff_audit')
      .select('at', 'actor', 'action', 'target', 'detail')
      .orderBy('id', 'desc')
      .limit(limit);
  return rows.map((r) => ({
    at: Number(r.at),
    actor: r.actor,
    action: r.action,
    target: r.target,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  }));
}
