/**
 * Console sessions: a random cookie token whose SHA-256 is the row id, a per-session CSRF
 * secret, an idle and an absolute expiry. Any worker can serve any session.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  deleteStaffSession,
  findStaffSession,
  insertStaffSession,
  touchStaffSession,
  type StaffSessionRow,
} from '../db/staff-sessions.js';
import type { ConsoleDeps, Staff } from './deps.js';

export const SESSION_COOKIE = 'rapport_console';
// Writing last_seen on every request would make each page view a write; a minute is precise enough.
const TOUCH_EVERY_MS = 60_000;

export interface ActiveSession {
  id: string;
  staff: Staff;
  csrfSecret: string;
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Whether a stored session still counts at `now`, and whether its last_seen is due a write. */
export function sessionState(
  row: Pick<StaffSessionRow, 'last_seen_at' | 'expires_at'>,
  now: number,
  idleMs: number,
): 'expired' | 'touch' | 'fresh' {
  if (now >= row.expires_at || now - row.last_seen_at >= idleMs) return 'expired';
  return now - row.last_seen_at >= TOUCH_EVERY_MS ? 'touch' : 'fresh';
}

/** Creates a session; returns the cookie token (the only place it exists). */
export async function createSession(
  deps: ConsoleDeps,
  userId: number,
  client: { ip: string | null; userAgent: string | null },
): Promise<string> {
  const token = randomToken();
  const now = deps.now();
  await insertStaffSession(deps.db.knex, {
    id: sha256Hex(token),
    user_id: userId,
    csrf_secret: randomBytes(32).toString('hex'),
    created_at: now,
    last_seen_at: now,
    expires_at: now + deps.config.console.session_max,
    ip: client.ip?.slice(0, 64) ?? null,
    user_agent: client.userAgent?.slice(0, 300) ?? null,
  });
  return token;
}

/** The session a cookie token names, if it is still valid; an expired one is deleted. */
export async function loadSession(
  deps: ConsoleDeps,
  token: string | undefined,
): Promise<ActiveSession | undefined> {
  if (!token || token.length > 100) return undefined;
  const id = sha256Hex(token);
  const row = await findStaffSession(deps.db.knex, id);
  if (!row) return undefined;
  const now = deps.now();
  const state = sessionState(row, now, deps.config.console.session_idle);
  if (state === 'expired') {
    await deleteStaffSession(deps.db.knex, id);
    return undefined;
  }
  if (state === 'touch') await touchStaffSession(deps.db.knex, id, now);
  return { id, staff: { id: row.user_id, email: row.email, role: row.role }, csrfSecret: row.csrf_secret };
}

export async function endSession(deps: ConsoleDeps, sessionId: string): Promise<void> {
  await deleteStaffSession(deps.db.knex, sessionId);
}

/** The CSRF token of a session: derived, so nothing more is stored. */
export function csrfToken(session: ActiveSession): string {
  return createHmac('sha256', session.csrfSecret).update(`csrf:${session.id}`).digest('base64url');
}

export function csrfTokenMatches(session: ActiveSession, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(csrfToken(session));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
