/**
 * Managing staff users, for the users CLI and the users page alike: every change is audited,
 * the last owner cannot be removed or demoted, and a reset password or a removal ends the
 * person's sessions.
 */
import type { Database } from '../db/connect.js';
import { AppError } from '../errors.js';
import { isOneOf } from '../choice.js';
import { insertStaffAudit } from '../db/staff-audit.js';
import { clearSetupTokens } from '../db/staff-setup.js';
import { deleteSessionsOfUser } from '../db/staff-sessions.js';
import {
  deleteStaffUser,
  findStaffByEmail,
  insertStaffUser,
  listStaffUsers,
  lockOwnerIds,
  updateStaffPassword,
  updateStaffRole,
  type StaffRole,
  type StaffUserRow,
} from '../db/staff-users.js';
import { checkPassword, hashPassword } from './password.js';

export type { StaffRole } from '../db/staff-users.js';
export const ROLES: readonly StaffRole[] = ['owner', 'editor', 'viewer'];

/** Who made a change: a signed-in person, or `cli:<os user>`. */
export type Actor = { email: string } | string;

export interface StaffSummary {
  id: number;
  email: string;
  role: StaffRole;
  created_at: number;
  updated_at: number;
}

export function parseRole(value: unknown, what = 'role'): StaffRole {
  if (isOneOf(ROLES, value)) return value;
  throw new AppError('E_USAGE', `${what}: choose owner, editor or viewer (got "${String(value)}")`);
}

/**
 * Records what staff did. `target` names what was changed (an email, a template, a broadcast id);
 * `detail` is stored as JSON and must never hold a secret.
 */
export async function audit(
  db: Database,
  staff: Actor,
  action: string,
  target: string | null,
  detail: Record<string, unknown>,
  now: number,
): Promise<void> {
  const actor = typeof staff === 'string' ? staff : staff.email;
  await insertStaffAudit(db.knex, { at: now, actor, action, target, detail });
}

export async function listStaff(db: Database): Promise<StaffSummary[]> {
  return (await listStaffUsers(db.knex)).map(summary);
}

export async function addStaff(
  db: Database,
  actor: Actor,
  input: { email: string; role: StaffRole; password: string },
  now: number,
): Promise<StaffSummary> {
  const email = input.email.trim().toLowerCase();
  checkPassword(input.password, email);
  const passwordHash = await hashPassword(input.password);
  const id = await db.knex.transaction(async (trx) => {
    const inserted = await insertStaffUser(trx, { email, role: input.role, passwordHash, now });
    if (inserted === undefined) throw new AppError('E_STAFF_EXISTS', `${email} is already a console user`);
    // Once someone exists, a setup link printed earlier must not create another owner.
    await clearSetupTokens(trx);
    await insertStaffAudit(trx, auditRow(actor, 'user.add', email, { role: input.role }, now));
    return inserted;
  });
  return { id, email, role: input.role, created_at: now, updated_at: now };
}

export async function removeStaff(db: Database, actor: Actor, email: string, now: number): Promise<void> {
  await db.knex.transaction(async (trx) => {
    const user = await requireUser(trx, email);
    const owners = await lockOwnerIds(trx);
    if (user.role === 'owner' && owners.length <= 1) {
      throw new AppError('E_LAST_OWNER', `${user.email} is the last owner: make someone else owner first`);
    }
    const ended = await deleteSessionsOfUser(trx, user.id);
    await deleteStaffUser(trx, user.id);
    await insertStaffAudit(
      trx,
      auditRow(actor, 'user.remove', user.email, { role: user.role, sessions_ended: ended }, now),
    );
  });
}

export async function changeStaffRole(
  db: Database,
  actor: Actor,
  email: string,
  role: StaffRole,
  now: number,
): Promise<void> {
  await db.knex.transaction(async (trx) => {
    const user = await requireUser(trx, email);
    if (user.role === role) return;
    const owners = await lockOwnerIds(trx);
    if (user.role === 'owner' && owners.length <= 1) {
      throw new AppError('E_LAST_OWNER', `${user.email} is the last owner: make someone else owner first`);
    }
    await updateStaffRole(trx, user.id, role, now);
    await insertStaffAudit(trx, auditRow(actor, 'user.role', user.email, { from: user.role, to: role }, now));
  });
}

/**
 * Sets a new password and ends the person's sessions (but `keepSession`: the one they are using
 * when they change their own).
 */
export async function setStaffPassword(
  db: Database,
  actor: Actor,
  email: string,
  password: string,
  now: number,
  keepSession?: string,
): Promise<void> {
  const user = await requireUser(db.knex, email);
  checkPassword(password, user.email);
  const passwordHash = await hashPassword(password);
  await db.knex.transaction(async (trx) => {
    await updateStaffPassword(trx, user.id, passwordHash, now);
    const ended = await deleteSessionsOfUser(trx, user.id, keepSession);
    const action = keepSession === undefined ? 'user.reset_password' : 'user.change_password';
    await insertStaffAudit(trx, auditRow(actor, action, user.email, { sessions_ended: ended }, now));
  });
}

async function requireUser(knex: Database['knex'], email: string): Promise<StaffUserRow> {
  const user = await findStaffByEmail(knex, email.trim());
  if (!user) throw new AppError('E_STAFF_NOT_FOUND', `no console user ${email.trim().toLowerCase()}`);
  return user;
}

function auditRow(
  actor: Actor,
  action: string,
  target: string,
  detail: Record<string, unknown>,
  now: number,
) {
  return { at: now, actor: typeof actor === 'string' ? actor : actor.email, action, target, detail };
}

function summary(row: StaffUserRow): StaffSummary {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
