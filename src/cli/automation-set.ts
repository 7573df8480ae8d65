/**
 * `rapport automations set ID KEY=VALUE…`: dotted keys into the definition as the config file
 * writes it (`on.after=2h`, `where.tags=[vip, local]`, `unless.within=14d`). A value is read as
 * YAML (`true`, `5`, `[a, b]`, `{birthday: true}`); an empty value removes the key.
 */
import { parse as parseYaml } from 'yaml';
import { AppError } from '../errors.js';
import type { Definition } from '../outreach/automations.js';

const KEY = /^[a-z_]+(\.[a-z_]+)*$/;

export function applyAssignments(current: Definition, pairs: readonly string[]): Definition {
  const next = structuredClone(current);
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0 || !KEY.test(key))
      throw new AppError('E_USAGE', `"${pair}" is not KEY=VALUE with a dotted key (e.g. on.after=2h)`);
    if (key === 'id') throw new AppError('E_USAGE', 'id: an automation keeps its id');
    const text = pair.slice(eq + 1);
    assign(next, key.split('.'), text === '' ? undefined : valueOf(key, text));
  }
  return next;
}

function valueOf(key: string, text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch {
    throw new AppError('E_USAGE', `${key}: "${text}" cannot be read (quote it: ${key}='"${text}"')`);
  }
}

function assign(target: Definition, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    if (value === undefined) delete target[head];
    else target[head] = value;
    return;
  }
  const inner = target[head];
  if (inner === undefined && value === undefined) return;
  const child: Definition =
    inner && typeof inner === 'object' && !Array.isArray(inner) ? (inner as Definition) : {};
  target[head] = child;
  assign(child, rest, value);
}
