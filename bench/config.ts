/**
 * The shipped config/rapport.yaml with chosen overrides deep-merged over it (arrays such as
 * `automations` replace) and templates from the repository's folder: what the bench and the
 * test runtimes both run with.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export function shippedConfigWith(
  repo: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const shipped = parse(readFileSync(join(repo, 'config/rapport.yaml'), 'utf8')) as Record<string, unknown>;
  return deepMerge(shipped, { templates: { dir: join(repo, 'templates') }, ...overrides });
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      prev &&
      typeof prev === 'object' &&
      !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
