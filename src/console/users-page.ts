/**
 * The users page, for owners: who can sign in and with which role; add, change role, reset a
 * password, remove. Every change is audited; recent changes are listed below.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { listStaffAudit } from '../db/staff-audit.js';
import { findStaffById } from '../db/staff-users.js';
import { AppError } from '../errors.js';
import type { ConsoleDeps } from './deps.js';
import { requireRole, staffOf } from './guards.js';
import { csrfField, html, page, type SafeHtml } from './layout.js';
import { generatePassword } from './password.js';
import type { ConsolePage } from './plugin.js';
import { sendPage } from './respond.js';
import {
  addStaff,
  changeStaffRole,
  listStaff,
  parseRole,
  removeStaff,
  ROLES,
  setStaffPassword,
  type StaffSummary,
} from './staff.js';
import { scalarText } from '../text.js';
import { bodyField, fieldsOf, routeParam } from './request-fields.js';

interface Notice {
  kind: 'done' | 'error';
  text: SafeHtml | string;
}

function roleSelect(id: string, label: string, selected: string): SafeHtml {
  const options = ROLES.map(
    (r) => html`<option value="${r}" ${r === selected ? html` selected` : ''}>${r}</option>`,
  );
  return html`<label for="${id}">${label}</label>
    <select id="${id}" name="role">
      ${options}
    </select>`;
}

function userRow(user: StaffSummary, csrf: string | null): SafeHtml {
  const base = `/console/users/${user.id}`;
  return html`<tr>
    <td>${user.email}</td>
    <td>${user.role}</td>
    <td>${new Date(user.created_at).toISOString().slice(0, 10)}</td>
    <td>
      <form method="post" action="${base}/role">
        ${csrfField(csrf)}${roleSelect(`role-${user.id}`, `Role for ${user.email}`, user.role)}
        <button type="submit" aria-label="Change role of ${user.email}">Change role</button>
      </form>
      <form method="post" action="${base}/password">
        ${csrfField(csrf)}<label for="pw-${user.id}"
          >New password for ${user.email} (empty: generate one)</label
        >
        <input id="pw-${user.id}" name="password" type="password" autocomplete="new-password" />
        <button type="submit" aria-label="Reset password of ${user.email}">Reset password</button>
      </form>
      <form method="post" action="${base}/remove">
        ${csrfField(csrf)}<button type="submit" aria-label="Remove ${user.email}">Remove</button>
      </form>
    </td>
  </tr>`;
}

async function render(
  deps: ConsoleDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  notice?: Notice,
) {
  const users = await listStaff(deps.db);
  const changes = await listStaffAudit(deps.db.knex, 20);
  const csrf = request.csrf;
  const body = html`<h1>Users</h1>
    ${notice ? html`<p role="${notice.kind === 'error' ? 'alert' : 'status'}">${notice.text}</p>` : ''}
    <table>
      <thead>
        <tr>
          <th scope="col">Email</th>
          <th scope="col">Role</th>
          <th scope="col">Added</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        ${users.map((u) => userRow(u, csrf))}
      </tbody>
    </table>
    <h2>Add a user</h2>
    <form method="post" action="/console/users">
      ${csrfField(csrf)}
      <p><label for="new-email">Email</label> <input id="new-email" name="email" type="email" required /></p>
      <p>${roleSelect('new-role', 'Role', 'viewer')}</p>
      <p>
        <label for="new-password">Initial password (empty: generate one)</label>
        <input id="new-password" name="password" type="password" autocomplete="new-password" />
      </p>
      <p><button type="submit">Add user</button></p>
    </form>
    <p>
      Owners manage users; editors change templates, automations, broadcasts and customers; viewers see
      everything and change nothing.
    </p>
    <h2>Recent changes</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">When (UTC)</th>
          <th scope="col">Who</th>
          <th scope="col">What</th>
          <th scope="col">Target</th>
        </tr>
      </thead>
      <tbody>
        ${changes.map(
          (c) =>
            html`<tr>
              <td>${new Date(c.at).toISOString().slice(0, 16).replace('T', ' ')}</td>
              <td>${c.actor}</td>
              <td>${c.action}</td>
              <td>${c.target ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  return sendPage(reply, status, page({ title: 'Users', staff: request.staff, csrf, active: 'users', body }));
}

/** A chosen password, or a generated one that is shown once on the page. */
function passwordFrom(body: unknown): { password: string; generated: boolean } {
  const given = fieldsOf(body).password;
  if (typeof given === 'string' && given !== '') return { password: given, generated: false };
  return { password: generatePassword(), generated: true };
}

function shownOnce(text: string, password: string, generated: boolean): SafeHtml {
  return generated ? html`${text} Their password, shown only now: <code>${password}</code>` : html`${text}`;
}

type Change = (request: FastifyRequest, email: string) => Promise<SafeHtml | string>;

/** Runs a change and shows the page with what happened; refusals are shown, not thrown. */
async function act(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, change: Change) {
  try {
    const idParam = routeParam(request, 'id');
    const id = idParam === '' ? NaN : Number(idParam);
    const target = Number.isSafeInteger(id) ? await findStaffById(deps.db.knex, id) : undefined;
    if (idParam !== '' && !target) {
      throw new AppError('E_STAFF_NOT_FOUND', 'no such user (removed meanwhile?)');
    }
    return await render(deps, request, reply, 200, {
      kind: 'done',
      text: await change(request, target?.email ?? ''),
    });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const status = error.code === 'E_STAFF_EXISTS' || error.code === 'E_LAST_OWNER' ? 409 : 400;
    return render(deps, request, reply, status, { kind: 'error', text: error.message });
  }
}

export const usersPage: ConsolePage = {
  name: 'users',
  register(scope, deps) {
    const owner = { preHandler: requireRole('owner') };
    const field = (request: FastifyRequest, name: string): unknown => bodyField(request, name);
    scope.get('/users', owner, (request, reply) => render(deps, request, reply, 200));
    scope.post('/users', owner, (request, reply) =>
      act(deps, request, reply, async () => {
        const email = scalarText(field(request, 'email')).trim();
        const { password, generated } = passwordFrom(request.body);
        const added = await addStaff(
          deps.db,
          staffOf(request),
          { email, role: parseRole(field(request, 'role')), password },
          deps.now(),
        );
        return shownOnce(`Added ${added.email} as ${added.role}.`, password, generated);
      }),
    );
    scope.post('/users/:id/role', owner, (request, reply) =>
      act(deps, request, reply, async (_r, email) => {
        const role = parseRole(field(request, 'role'));
        await changeStaffRole(deps.db, staffOf(request), email, role, deps.now());
        return `${email} is now ${role}.`;
      }),
    );
    scope.post('/users/:id/password', owner, (request, reply) =>
      act(deps, request, reply, async (_r, email) => {
        const { password, generated } = passwordFrom(request.body);
        await setStaffPassword(deps.db, staffOf(request), email, password, deps.now());
        return shownOnce(`Password of ${email} reset; their sessions ended.`, password, generated);
      }),
    );
    scope.post('/users/:id/remove', owner, (request, reply) =>
      act(deps, request, reply, async (_r, email) => {
        await removeStaff(deps.db, staffOf(request), email, deps.now());
        return `Removed ${email}; their sessions ended.`;
      }),
    );
  },
};
