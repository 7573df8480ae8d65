/** `rapport users …`: who can sign in to the console, and with which role. */
import { userInfo } from 'node:os';
import { generatePassword } from '../console/password.js';
import {
  addStaff,
  changeStaffRole,
  listStaff,
  parseRole,
  removeStaff,
  setStaffPassword,
} from '../console/staff.js';
import { emailAddress, withReadRuntime, withRuntime, type GlobalOptions } from './context.js';
import { isTerminal, passwordFromStdin, promptNewPassword } from './password-input.js';
import { jsonLines, table, type Io } from './io.js';

interface PasswordOptions extends GlobalOptions {
  passwordStdin?: boolean;
}

/** Audit author of a change made here. */
function actor(io: Io): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:${io.env.USER ?? 'unknown'}`;
  }
}

/** The password to set: stdin, typed twice on a terminal, or generated (and printed once). */
async function choosePassword(io: Io, email: string, options: PasswordOptions) {
  if (options.passwordStdin) return { password: await passwordFromStdin(io.stdin), generated: false };
  if (isTerminal(io.stdin)) return { password: await promptNewPassword(io, email), generated: false };
  return { password: generatePassword(), generated: true };
}

export async function usersAddCommand(
  io: Io,
  email: string,
  options: PasswordOptions & { role?: string },
): Promise<number> {
  const address = emailAddress('EMAIL', email);
  const role = parseRole(options.role, '--role');
  const { password, generated } = await choosePassword(io, address, options);
  return withRuntime(io, options, async (rt) => {
    const added = await addStaff(rt.db, actor(io), { email: address, role, password }, rt.now());
    io.out(`added ${added.email} as ${added.role}`);
    if (generated) io.out(`password (shown once, keep it somewhere safe): ${password}`);
    return 0;
  });
}

export async function usersListCommand(io: Io, options: GlobalOptions & { json?: boolean }): Promise<number> {
  return withReadRuntime(io, options, async (rt) => {
    const users = await listStaff(rt.db);
    const iso = (ms: number) => new Date(ms).toISOString();
    if (options.json) {
      const rows = users.map((u) => ({
        email: u.email,
        role: u.role,
        created_at: iso(u.created_at),
        updated_at: iso(u.updated_at),
      }));
      if (rows.length > 0) io.out(jsonLines(rows));
      return 0;
    }
    if (users.length === 0) {
      io.out('no console users yet: rapport users add EMAIL --role owner');
      return 0;
    }
    io.out(
      table(
        ['email', 'role', 'added'],
        users.map((u) => [u.email, u.role, iso(u.created_at)]),
      ),
    );
    return 0;
  });
}

export async function usersRemoveCommand(io: Io, email: string, options: GlobalOptions): Promise<number> {
  const address = emailAddress('EMAIL', email);
  return withRuntime(io, options, async (rt) => {
    await removeStaff(rt.db, actor(io), address, rt.now());
    io.out(`removed ${address}; their console sessions have ended`);
    return 0;
  });
}

export async function usersResetPasswordCommand(
  io: Io,
  email: string,
  options: PasswordOptions,
): Promise<number> {
  const address = emailAddress('EMAIL', email);
  const { password, generated } = await choosePassword(io, address, options);
  return withRuntime(io, options, async (rt) => {
    await setStaffPassword(rt.db, actor(io), address, password, rt.now());
    io.out(`password of ${address} reset; their console sessions have ended`);
    if (generated) io.out(`password (shown once, keep it somewhere safe): ${password}`);
    return 0;
  });
}

export async function usersRoleCommand(
  io: Io,
  email: string,
  options: GlobalOptions & { role?: string },
): Promise<number> {
  const address = emailAddress('EMAIL', email);
  const role = parseRole(options.role, '--role');
  return withRuntime(io, options, async (rt) => {
    await changeStaffRole(rt.db, actor(io), address, role, rt.now());
    io.out(`${address} is now ${role}`);
    return 0;
  });
}
