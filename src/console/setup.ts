/**
 * The first owner: while no console user exists, each start of the daemon prints a one-time
 * link (valid 24 hours, single use) whose page creates the owner; once anyone exists, no link works.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { email as checkEmail } from '../import/email.js';
import { consumeSetupToken, insertSetupToken, setupTokenValid } from '../db/staff-setup.js';
import { countStaffUsers } from '../db/staff-users.js';
import type { ConsoleDeps } from './deps.js';
import { html, page } from './layout.js';
import { startSession } from './login.js';
import { passwordProblem } from './password.js';
import type { ConsolePage } from './plugin.js';
import { redirect, sendPage } from './respond.js';
import { randomToken, sha256Hex } from './session.js';
import { addStaff } from './staff.js';

const SETUP_LINK_TTL_MS = 24 * 3_600_000;

/**
 * A new setup link when no console user exists yet (undefined otherwise), for the start banner.
 * Only the token's hash is stored.
 */
export async function ensureSetupLink(
  deps: Pick<ConsoleDeps, 'db' | 'now' | 'publicUrl'>,
): Promise<string | undefined> {
  if ((await countStaffUsers(deps.db.knex)) > 0) return undefined;
  const token = randomToken();
  const now = deps.now();
  await insertSetupToken(deps.db.knex, sha256Hex(token), now, now + SETUP_LINK_TTL_MS);
  return `${deps.publicUrl.replace(/\/+$/, '')}/console/setup/${token}`;
}

/** The banner line for a setup link. */
export function setupBannerLine(link: string): string {
  return `console: no user yet — create the first owner at ${link}`;
}

interface SetupBody {
  email?: unknown;
  password?: unknown;
  confirm?: unknown;
}

type SetupRequest = FastifyRequest<{ Params: { token: string }; Body: SetupBody }>;

function setupForm(action: string, email: string, error: string | null): string {
  return page({
    title: 'Create the first owner',
    staff: null,
    csrf: null,
    body: html`<h1>Create the first owner</h1>
      <p>The owner can add other people and choose what each may do.</p>
      ${error ? html`<p role="alert">${error}</p>` : ''}
      <form method="post" action="${action}">
        <p>
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="username" required value="${email}" />
        </p>
        <p>
          <label for="password">Password (at least 12 characters)</label>
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
          <label for="confirm">Password again</label>
          <input
            id="confirm"
            name="confirm"
            type="password"
            autocomplete="new-password"
            required
            minlength="12"
          />
        </p>
        <p><button type="submit">Create owner</button></p>
      </form>`,
  });
}

function invalidLink(reply: FastifyReply): FastifyReply {
  return sendPage(
    reply,
    404,
    page({
      title: 'Link not valid',
      staff: null,
      csrf: null,
      body: html`<h1>This setup link is not valid</h1>
        <p>
          It was used already, has expired (links last 24 hours), or someone already created a console user.
          While no console user exists, each start of the daemon prints a new link; or create a user with
          <code>rapport users add EMAIL --role owner</code>.
        </p>`,
    }),
  );
}

async function linkUsable(deps: ConsoleDeps, token: string): Promise<boolean> {
  if (token.length > 100) return false;
  if ((await countStaffUsers(deps.db.knex)) > 0) return false;
  return setupTokenValid(deps.db.knex, sha256Hex(token), deps.now());
}

async function createOwner(deps: ConsoleDeps, request: SetupRequest, reply: FastifyReply) {
  const { token } = request.params;
  if (!(await linkUsable(deps, token))) return invalidLink(reply);
  const body = request.body ?? {};
  const typed = typeof body.email === 'string' ? body.email : '';
  const password = typeof body.password === 'string' ? body.password : '';
  const action = `/console/setup/${token}`;
  const address = checkEmail(typed);
  if (!address.ok || address.value === null) {
    const reason = address.ok ? 'is needed' : address.reason;
    return sendPage(reply, 400, setupForm(action, typed, `Email ${reason}.`));
  }
  const problem = passwordProblem(password, address.value);
  if (problem) return sendPage(reply, 400, setupForm(action, typed, `Password: ${problem}.`));
  if (password !== body.confirm)
    return sendPage(reply, 400, setupForm(action, typed, 'The two passwords differ.'));
  // Deleting the token is the single use: of two requests racing, one gets it.
  if (!(await consumeSetupToken(deps.db.knex, sha256Hex(token), deps.now()))) return invalidLink(reply);
  try {
    const owner = await addStaff(
      deps.db,
      'setup-link',
      { email: address.value, role: 'owner', password },
      deps.now(),
    );
    await startSession(deps, request, reply, owner.id);
    return redirect(reply, '/console/');
  } catch (error) {
    if (error instanceof AppError && error.code === 'E_STAFF_EXISTS') return invalidLink(reply);
    throw error;
  }
}

export const setupPage: ConsolePage = {
  name: 'setup',
  register(scope, deps) {
    scope.get<{ Params: { token: string } }>(
      '/setup/:token',
      { config: { public: true } },
      async (request, reply) => {
        if (!(await linkUsable(deps, request.params.token))) return invalidLink(reply);
        return sendPage(reply, 200, setupForm(`/console/setup/${request.params.token}`, '', null));
      },
    );
    scope.post<{ Params: { token: string }; Body: SetupBody }>(
      '/setup/:token',
      { config: { public: true } },
      (request, reply) => createOwner(deps, request, reply),
    );
  },
};
