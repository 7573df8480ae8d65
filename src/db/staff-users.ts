/**
 * Console staff: one row per person who can sign in, with a role and a password hash. Addresses
 * are stored in lower case. Removing a user deletes the row; its sessions go with it.
 */
import type { Knex } from 'knex';

export type StaffRole = 'owner' | 'editor' | 'viewer';

export interface StaffUserRow {
  id: number;
  email: string;
  role: StaffRole;
  password_hash: string;
  created_at: number;
  updated_at: number;
}

export async function countStaffUsers(knex: Knex): Promise<number> {
  const row = await knex('staff_users').count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

export async function listStaffUsers(knex: Knex): Promise<StaffUserRow[]> {
  const rows: StaffUserRow[] = await knex('staff_users').select('*').orderBy('email');
  return rows.map(normalise);
}

export async function findStaffByEmail(knex: Knex, email: string): Promise<StaffUserRow | undefined> {
  const row: StaffUserRow | undefined = await knex('staff_users')
    .where({ email: email.toLowerCase() })
    .first();
  return row && normalise(row);
}

export async function findStaffById(knex: Knex, id: number): Promise<StaffUserRow | undefined> {
  const row: StaffUserRow | undefined = await knex('staff_users').where({ id }).first();
  return row && normalise(row);
}

/** Inserts a user; undefined when the address is already taken. */
export async function insertStaffUser(
  knex: Knex,
  user: { email: string; role: StaffRole; passwordHash: string; now: number },
): Promise<number | undefined> {
  const rows = (await knex('staff_users')
    .insert({
      email: user.email.toLowerCase(),
      role: user.role,
      password_hash: user.passwordHash,
      created_at: user.now,
      updated_at: user.now,
    })
    .onConflict('email')
    .ignore()
    .returning('id')) as Array<{ id: number } | number>;
  const first = rows[0];
  if (first === undefined) return undefined;
  return typeof first === 'number' ? first : Number(first.id);
}

export async function updateStaffRole(knex: Knex, id: number, role: StaffRole, now: number): Promise<void> {
  await knex('staff_users').where({ id }).update({ role, updated_at: now });
}

export async function updateStaffPassword(
  knex: Knex,
  id: number,
  passwordHash: string,
  now: number,
): Promise<void> {
  await knex('staff_users').where({ id }).update({ password_hash: passwordHash, updated_at: now });
}

export async function deleteStaffUser(knex: Knex, id: number): Promise<void> {
  await knex('staff_users').where({ id }).delete();
}

function normalise(row: StaffUserRow): StaffUserRow {
  return {
    ...row,
    id: Number(row.id),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

/**
 * The ids of the owners, locked until the transaction ends on Postgres, so two staff removing
 * each other at once cannot leave no owner (SQLite transactions already take the write lock).
 */
export async function lockOwnerIds(trx: Knex.Transaction): Promise<number[]> {
  const query = trx('staff_users').where({ role: 'owner' }).select('id');
  const sqlite = String(trx.client.config.client).includes('sqlite');
  const rows: Array<{ id: number }> = sqlite ? await query : await query.forUpdate();
  return rows.map((r) => Number(r.id));
}
