import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The package version, read once from package.json: one folder up in the product's build
 * (dist/), two in the bench and demo's build (dist-tools/src/).
 */
function readVersion(): string {
  try {
    return (require('../package.json') as { version: string }).version;
  } catch {
    return (require('../../package.json') as { version: string }).version;
  }
}

export const VERSION = readVersion();
