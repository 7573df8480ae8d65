/** Opening what a command needs, and closing it again whatever happens. */
import { AppError } from '../errors.js';
import { email } from '../import/email.js';
import { createLogger, type Logger } from '../log.js';
import { openConfig, openRuntime, type DbRuntime, type Runtime } from '../runtime.js';
import type { Io } from './io.js';

export interface GlobalOptions {
  config?: string;
  logLevel?: string;
}

export function commandLogger(io: Io, options: GlobalOptions, fallback = 'warn'): Logger {
  return createLogger(options.logLevel ?? io.env.RAPPORT_LOG_LEVEL ?? fallback);
}

export function configOnly(io: Io, options: GlobalOptions): Runtime {
  return openConfig({ configFile: options.config, env: io.env, log: commandLogger(io, options) });
}

export async function withRuntime<T>(
  io: Io,
  options: GlobalOptions,
  fn: (rt: DbRuntime) => Promise<T>,
  logLevel = 'warn',
): Promise<T> {
  const rt = await openRuntime({
    configFile: options.config,
    env: io.env,
    log: commandLogger(io, options, logLevel),
  });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/**
 * For commands that only read: the database is opened as it is, never migrated; one that is
 * behind is an error that says how to bring it up to date.
 */
export async function withReadRuntime<T>(
  io: Io,
  options: GlobalOptions,
  fn: (rt: DbRuntime) => Promise<T>,
): Promise<T> {
  const rt = await openRuntime({
    configFile: options.config,
    env: io.env,
    log: commandLogger(io, options),
    schema: 'current',
  });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/** An address given on the command line, checked as an imported customer's is. */
export function emailAddress(what: string, value: string): string {
  const checked = email(value.trim());
  if (!checked.ok) throw new AppError('E_USAGE', `${what}: ${checked.reason}`);
  if (checked.value === null) throw new AppError('E_USAGE', `${what}: an email address is needed`);
  return checked.value;
}
