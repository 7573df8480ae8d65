/** The signed-in person's own account: who they are, and changing their password. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { findStaffById } from '../db/staff-users.js';
import { AppError } from '../errors.js';
import type { ConsoleDeps } from './deps.js';
import { staffOf } from './guards.js';
import { csrfField, html, page } from './layout.js';
import { blockedUntil, noteFailure, tooMany } from './login.js';
import { verifyPassword } from './password.js';
import type { ConsolePage } from './plugin.js';
import { sendPage } from './respond.js';
import { setStaffPassword } from './staff.js';
import { fieldsOf } from './request-fields.js';

function render(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  notice?: { error: boolean; text: string },
) {
  const staff = staffOf(request);
  const body = html`<h1>Your account</h1>
    <p>Signed in as ${staff.email} (${staff.role}).</p>
    ${notice ? html`<p role="${notice.error ? 'alert' : 'status'}">${notice.text}</p>` : ''}
    <h2>Change your password</h2>
    <form method="post" action="/console/account/password">
      ${csrfField(request.csrf)}
      <p>
        <label for="current">Current password</label>
        <input id="current" name="current" type="password" autocomplete="current-password" required />
      </p>
      <p>
        <label for="password">New password (at least 12 characters)</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="new-password"
          required
          minlength="12"
        />
      </p>
      <p>
        <label for="confirm">New password again</label>
        <input
          id="confirm"
          name="confirm"
          type="password"
          autocomplete="new-password"
          required
          minlength="12"
        />
      </p>
      <p><button type="submit">Change password</button></p>
    </form>`;
  return sendPage(
    reply,
    status,
    page({ title: 'Your account', staff, csrf: request.csrf, active: 'account', body }),
  );
}

async function changePassword(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply) {
  const staff = staffOf(request);
  const body = fieldsOf(request.body);
  const user = await findStaffById(deps.db.knex, staff.id);
  const current = typeof body.current === 'string' ? body.current : '';
  // The same limit as signing in, so a session left open cannot be used to guess the password.
  const until = await blockedUntil(deps, staff.email, request.ip);
  if (until !== null) return tooMany(deps, reply, until);
  if (!user || !(await verifyPassword(current, user.password_hash))) {
    await noteFailure(deps, staff.email, request.ip);
    return render(request, reply, 400, { error: true, text: 'The current password is not right.' });
  }
  if (body.password !== body.confirm)
    return render(request, reply, 400, { error: true, text: 'The two new passwords differ.' });
  try {
    const password = typeof body.password === 'string' ? body.password : '';
    await setStaffPassword(deps.db, staff, staff.email, password, deps.now(), request.consoleSession?.id);
  } catch (error) {
    if (error instanceof AppError)
      return render(request, reply, 400, { error: true, text: `${error.message}.` });
    throw error;
  }
  return render(request, reply, 200, {
    error: false,
    text: 'Password changed; your other sessions were ended.',
  });
}

export const accountPage: ConsolePage = {
  name: 'account',
  register(scope, deps) {
    scope.get('/account', async (request, reply) => render(request, reply, 200));
    scope.post('/account/password', (request, reply) => changePassword(deps, request, reply));
  },
};
