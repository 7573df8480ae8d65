/**
 * The key for signed links: RAPPORT_SECRET, or one generated once into data/secret (mode 0600)
 * so links in mail already sent keep working across restarts. A short key would let anyone forge
 * unsubscribe links, so one is refused rather than used.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors.js';
import { secretProblem } from './sanity.js';
import { errnoCode } from '../error-fields.js';

export function loadOrCreateSecret(given: string | undefined, file: string): string {
  if (given) {
    const problem = secretProblem('RAPPORT_SECRET', given);
    if (problem === null) return given;
    throw new AppError('E_SECRET', problem);
  }
  if (!existsSync(file)) create(file);
  return checkStoredSecret(file) as string;
}

/**
 * The key stored in `file`, refused when it is too weak; undefined when there is no file yet
 * (`rapport check` looks without creating one).
 */
export function checkStoredSecret(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const stored = readFileSync(file, 'utf8').trim();
  const problem = secretProblem(file, stored);
  if (problem === null) return stored;
  throw new AppError(
    'E_SECRET',
    `${file} holds ${stored.length} characters, not a usable key (${problem.slice(file.length + 1)}). ` +
      'Delete it to have a new one generated (links in mail already sent then stop working), or set RAPPORT_SECRET.',
  );
}

/** Written whole under another name, then linked into place: no one ever reads a half-written key. */
function create(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  try {
    linkSync(temp, file);
  } catch (error) {
    // Another process created it first: theirs is the key.
    if (errnoCode(error) !== 'EEXIST') throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}
