import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The package's own package.json: one level up from dist/ (and src/ under vitest), two from
 * dist-tools/src/, where the bench and the demo build the same module.
 */
function packageJson(): string {
  const near = new URL('../package.json', import.meta.url);
  return existsSync(near) ? near.pathname : new URL('../../package.json', import.meta.url).pathname;
}

/** The package version, read once from package.json. */
export const VERSION = (require(packageJson()) as { version: string }).version;
