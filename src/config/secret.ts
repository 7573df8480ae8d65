/**
 * The key for signed links: RAPPORT_SECRET, or one generated once into data/secret (mode 0600)
 * so links in mail already sent keep working across restarts. A short key would let anyone forge
 * unsubscribe links, so one is refused rather than used.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors.js';

const MIN_SECRET_LENGTH = 32;

export function loadOrCreateSecret(given: string | undefined, file: string): string {
  if (given) {
    if (given.length >= MIN_SECRET_LENGTH) return given;
    throw new AppError(
      'E_SECRET',
      `RAPPORT_SECRET has ${given.length} characters; it needs at least ${MIN_SECRET_LENGTH} (for example: openssl rand -base64 32)`,
    );
  }
  if (!existsSync(file)) create(file);
  const stored = readFileSync(file, 'utf8').trim();
  if (stored.length >= MIN_SECRET_LENGTH) return stored;
  throw new AppError(
    'E_SECRET',
    `${file} holds ${stored.length} characters, not a usable key (at least ${MIN_SECRET_LENGTH}). ` +
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
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}
