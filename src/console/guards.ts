/**
 * Who may do what: every console route needs a signed-in person unless its config says
 * `public: true`; `requireRole` raises the bar for one route. Roles rank owner > editor > viewer.
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { StaffRole } from '../db/staff-users.js';
import type { Staff } from './deps.js';
import { forbidden, redirect, wantsJson } from './respond.js';

const RANK: Record<StaffRole, number> = { viewer: 1, editor: 2, owner: 3 };

export function hasRole(staff: Staff | null, role: StaffRole): boolean {
  return staff !== null && RANK[staff.role] >= RANK[role];
}

/**
 * The `next` a sign-in may return to: only a path inside the console on this site, so a link
 * cannot send someone elsewhere after they sign in.
 */
export function safeNext(next: unknown): string {
  const fallback = '/console/';
  if (typeof next !== 'string' || next.length > 2000 || !next.startsWith('/console')) return fallback;
  // A backslash or a control character lets some browsers read the path as another host.
  if ([...next].some((c) => c === '\\' || c.charCodeAt(0) < 0x20) || next.startsWith('//')) return fallback;
  const base = 'http://console.invalid';
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base) return fallback;
  if (url.pathname !== '/console' && !url.pathname.startsWith('/console/')) return fallback;
  return url.pathname + url.search;
}

/** The answer to a request that needs a signed-in person and has none. */
export function unauthenticated(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (wantsJson(request)) {
    return reply.code(401).send({ error: 'E_CONSOLE_SIGNED_OUT', message: 'sign in to the console first' });
  }
  const next = request.method === 'GET' ? request.url : '/console/';
  return redirect(reply, `/console/login?next=${encodeURIComponent(safeNext(next))}`);
}

/** A preHandler that lets through only people with at least this role. */
export function requireRole(role: StaffRole): preHandlerAsyncHookHandler {
  return async function roleGuard(request, reply) {
    if (request.staff === null) return unauthenticated(request, reply);
    if (!hasRole(request.staff, role)) {
      if (wantsJson(request)) {
        return reply.code(403).send({ error: 'E_CONSOLE_FORBIDDEN', message: `needs the ${role} role` });
      }
      return forbidden(
        request,
        reply,
        `This needs the ${role} role; you are ${request.staff.role}. Ask an owner.`,
      );
    }
  };
}

/** The signed-in person on a route that requires one (after the console's own check). */
export function staffOf(request: FastifyRequest): Staff {
  if (request.staff === null) throw new Error('staffOf used on a public console route');
  return request.staff;
}
