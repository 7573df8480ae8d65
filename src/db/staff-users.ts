/**
 * Console staff: one row per person who can sign in, with a role and a password hash. Addresses
 * are stored in lower case. Removing a user deletes the row; its sessions go with it.
 */
import type { Knex } from 'knex';
import { dialectOf } from './dialect.js';
import { countOf, insertedId, num, oneOf, rowOf, rowsOf, str, type Row } from './read.js';

const STAFF_ROLES = ['owner', 'editor', 'viewer'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffUserRow {
  id: number;
  email: string;
  role: StaffRole;
  password_hash: string;
  created_at: number;
  updated_at: number;
}

export async function countStaffUsers(knex: Knex): Promise<number> {
  return countOf(await knex('staff_users').count({ n: '*' }).first());
}

export async function listStaffUsers(knex: Knex): Promise<StaffUserRow[]> {
  return rowsOf(await knex('staff_users').select('*').orderBy('email')).map(toStaffUser);
}

export async function findStaffByEmail(knex: Knex, email: string): Promise<StaffUserRow | undefined> {
  const row = rowOf(await knex('staff_users').where({ email: email.toLowerCase() }).first());
  return row && toStaffUser(row);
}

export async function findStaffById(knex: Knex, id: number): Promise<StaffUserRow | undefined> {
  const row = rowOf(await knex('staff_users').where({ id }).first());
  return row && toStaffUser(row);
}

/** Inserts a user; undefined when the address is already taken. */
export async function insertStaffUser(
  knex: Knex,
  user: { email: string; role: StaffRole; passwordHash: string; now: number },
): Promise<number | undefined> {
  const rows: unknown = await knex('staff_users')
    .insert({
      email: user.email.toLowerCase(),
      role: user.role,
      password_hash: user.passwordHash,
      created_at: user.now,
      updated_at: user.now,
    })
    .onConflict('email')
    .ignore()
    .returning('id');
  return Array.isArray(rows) && rows.length > 0 ? insertedId(rows) : undefined;
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

function toStaffUser(row: Row): StaffUserRow {
  return {
    id: num(row, 'id'),
    email: str(row, 'email'),
    role: oneOf(row, 'role', STAFF_ROLES),
    password_hash: str(row, 'password_hash'),
    created_at: num(row, 'created_at'),
    updated_at: num(row, 'updated_at'),
  };
}

/**
 * The ids of the owners, locked until the transaction ends on Postgres, so two staff removing
 * each other at once cannot leave no owner (SQLite transactions already take the write lock).
 */
export async function lockOwnerIds(trx: Knex.Transaction): Promise<number[]> {
  const query = trx('staff_users').where({ role: 'owner' }).select('id');
  return rowsOf(await dialectOf(trx).forUpdate(query)).map((r) => num(r, 'id'));
}
