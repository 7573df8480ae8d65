import { existsSync, readFileSync } from 'node:fs';

/**
 * The package's own package.json: one level up from dist/ (and src/ under vitest), two from
 * dist-tools/src/, where the bench and the demo build the same module.
 */
function packageJson(): URL {
  const near = new URL('../package.json', import.meta.url);
  return existsSync(near) ? near : new URL('../../package.json', import.meta.url);
}

function readVersion(): string {
  const parsed: unknown = JSON.parse(readFileSync(packageJson(), 'utf8'));
  const version: unknown =
    typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'version') : undefined;
  if (typeof version !== 'string') throw new Error('package.json has no version');
  return version;
}

/** The package version, read once from package.json. */
export const VERSION = readVersion();
