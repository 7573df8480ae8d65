/**
 * The script a worker thread runs for the module at `moduleUrl` (its `import.meta.url`): the
 * module itself once compiled. Run from TypeScript sources (`tsx src/bin.ts`, the tests), the
 * worker first registers tsx's loader, as the main thread did, then requires the module.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export function workerScript(moduleUrl: string): { script: string | URL; eval: boolean } {
  const self = new URL(moduleUrl);
  if (!self.pathname.endsWith('.ts')) return { script: self, eval: false };
  // An ES module loader registered in a worker does not apply to it on Node 20; tsx's
  // CommonJS hook does, in-thread.
  const tsx = createRequire(self).resolve('tsx/cjs/api');
  const file = fileURLToPath(self);
  return {
    script: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`,
    eval: true,
  };
}
