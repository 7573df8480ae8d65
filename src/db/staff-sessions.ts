/**
 * Console sessions, stored so that any worker serves them. The id is the SHA-256 of the cookie
 * token: the token itself is never stored.
 */
import type { Knex } from 'knex';
import type { StaffRole } from './staff-users.js';

export interface StaffSessionRow {
  id: string;
  user_id: number;
  csrf_secret: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export interface SessionWithUser extends StaffSessionRow {
  email: string;
  role: StaffRole;
}

export async function insertStaffSession(
  knex: Knex,
  s: StaffSessionRow & { ip: string | null; user_agent: string | null },
): Promise<void> {
  await knex('staff_sessions').insert(s);
}

export async function findStaffSession(knex: Knex, id: string): Promise<SessionWithUser | undefined> {
  const row: SessionWithUser | undefined = await knex('staff_sessions as s')
    .join('staff_users as u', 'u.id', 's.user_id')
    .where('s.id', id)
    .first(
      's.id',
      's.user_id',
      's.csrf_secret',
      's.created_at',
      's.last_seen_at',
      's.expires_at',
      'u.email',
      'u.role',
    );
  if (!row) return undefined;
  return {
    ...row,
    user_id: Number(row.user_id),
    created_at: Number(row.created_at),
    last_seen_at: Number(row.last_seen_at),
    expires_at: Number(row.expires_at),
  };
}

export async function touchStaffSession(knex: Knex, id: string, now: number): Promise<void> {
  await knex('staff_sessions').where({ id }).update({ last_seen_at: now });
}

export async function deleteStaffSession(knex: Knex, id: string): Promise<void> {
  await knex('staff_sessions').where({ id }).delete();
}

/** Ends every session of a user, but the one given (their own, when they change their password). */
export async function deleteSessionsOfUser(knex: Knex, userId: number, except?: string): Promise<number> {
  const query = knex('staff_sessions').where({ user_id: userId });
  if (except !== undefined) query.whereNot({ id: except });
  return query.delete();
}

export async function countSessionsOfUser(knex: Knex, userId: number): Promise<number> {
  const row = await knex('staff_sessions').where({ user_id: userId }).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/** Sessions past their absolute expiry or idle longer than `idleMs`. */
export async function deleteExpiredSessions(knex: Knex, now: number, idleMs: number): Promise<number> {
  return knex('staff_sessions')
    .where('expires_at', '<=', now)
    .orWhere('last_seen_at', '<=', now - idleMs)
    .delete();
}
