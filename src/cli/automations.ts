/** `rapport automations …`: the automations in the database, their history, import and export. */
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parse as parseYaml, stringify } from 'yaml';
import {
  asWritten,
  automationHistory,
  getStoredAutomation,
  listStoredAutomations,
} from '../db/automations.js';
import { AppError, errorMessage } from '../errors.js';
import type { ChangeForecast } from '../outreach/automation-forecast.js';
import { unknownAutomation, type Definition } from '../outreach/automations.js';
import {
  applyAutomationChange,
  applyAutomationImport,
  previewAutomationChange,
  type AppliedChange,
} from '../outreach/automation-changes.js';
import { describeAutomation } from '../outreach/describe.js';
import type { DbRuntime } from '../runtime.js';
import { applyAssignments } from './automation-set.js';
import { withRuntime, type GlobalOptions } from './context.js';
import { jsonLines, table, type Io } from './io.js';
import { scalarText } from '../text.js';

export interface AutomationsOptions {
  json?: boolean;
  author?: string;
  yes?: boolean;
  file?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Opens the runtime (seeding the database with the file's automations it lacks). */
export function withAutomations(
  io: Io,
  o: GlobalOptions,
  fn: (rt: DbRuntime) => Promise<number>,
): Promise<number> {
  return withRuntime(io, o, fn);
}

function authorOf(io: Io, o: AutomationsOptions): string {
  return (o.author ?? io.env.USER ?? 'cli').slice(0, 200);
}

export async function listCmd(io: Io, rt: DbRuntime, o: AutomationsOptions): Promise<number> {
  const stored = await listStoredAutomations(rt.db.knex);
  const live = new Map(rt.config.automations.map((a) => [a.id, a]));
  const rows = stored.map((s) => {
    const a = live.get(s.id);
    return {
      id: s.id,
      enabled: s.enabled,
      template: scalarText(s.definition.template),
      description: a ? describeAutomation(a) : '(does not validate: see rapport check)',
      updated_by: s.updated_by,
      updated_at: iso(s.updated_at),
    };
  });
  if (o.json) io.out(jsonLines(rows));
  else if (rows.length === 0) io.out('No automations.');
  else
    io.out(
      table(
        ['id', 'enabled', 'template', 'when', 'changed'],
        rows.map((r) => [
          r.id,
          r.enabled ? 'yes' : 'no',
          r.template,
          r.description,
          `${r.updated_at} by ${r.updated_by}`,
        ]),
      ),
    );
  return 0;
}

export async function showCmd(io: Io, rt: DbRuntime, id: string, o: AutomationsOptions): Promise<number> {
  const s = await getStoredAutomation(rt.db.knex, id);
  if (!s) throw unknownAutomation(id, await listStoredAutomations(rt.db.knex));
  const a = rt.config.automations.find((x) => x.id === id);
  const written = asWritten(s.definition, s.enabled);
  const description = a ? describeAutomation(a) : null;
  if (o.json) {
    io.out(JSON.stringify({ ...s, definition: written, description, updated_at: iso(s.updated_at) }));
    return 0;
  }
  io.out(
    `${description ?? '(does not validate: see rapport check)'}\nchanged ${iso(s.updated_at)} by ${s.updated_by}\n`,
  );
  io.out(stringify(written).trimEnd());
  return 0;
}

export async function historyCmd(io: Io, rt: DbRuntime, id: string, o: AutomationsOptions): Promise<number> {
  const rows = await automationHistory(rt.db.knex, id);
  if (rows.length === 0) throw unknownAutomation(id, await listStoredAutomations(rt.db.knex));
  if (o.json) {
    io.out(jsonLines(rows.map((r) => ({ ...r, created_at: iso(r.created_at) }))));
    return 0;
  }
  io.out(
    table(
      ['when', 'action', 'author', 'changed'],
      rows.map((r) => [iso(r.created_at), r.action, r.author, changedKeys(r.before, r.after)]),
    ),
  );
  return 0;
}

/** The top-level keys whose value differs, e.g. `on, template`. */
function changedKeys(before: Definition | null, after: Definition | null): string {
  if (!before) return '(new)';
  const keys = new Set([...Object.keys(before), ...Object.keys(after ?? {})]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after?.[k])).join(', ');
}

export async function exportCmd(io: Io, rt: DbRuntime, file: string): Promise<number> {
  const stored = await listStoredAutomations(rt.db.knex);
  const automations = stored.map((s) => asWritten(s.definition, s.enabled));
  writeFileSync(file, stringify({ automations }));
  io.out(`wrote ${automations.length} automations to ${file}`);
  return 0;
}

/** Reads `automations:` from a YAML file (a whole config file will do). */
function readAutomationsFile(file: string): unknown[] {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AppError('E_USAGE', `${file}: ${errorMessage(error).split('\n')[0] ?? 'cannot read'}`);
  }
  const list = (doc as { automations?: unknown } | null)?.automations;
  if (!Array.isArray(list)) throw new AppError('E_USAGE', `${file}: has no "automations:" list`);
  return list;
}

export async function importCmd(io: Io, rt: DbRuntime, file: string, o: AutomationsOptions): Promise<number> {
  const changes = await applyAutomationImport(rt, readAutomationsFile(file), authorOf(io, o));
  if (o.json) io.out(jsonLines(changes));
  else if (changes.length === 0) io.out(`${file}: nothing to change`);
  else io.out(changes.map(changeLine).join('\n'));
  return 0;
}

/** enable, disable, set and edit: the next definition, its forecast, a confirmation, then the change. */
export async function changeCmd(
  io: Io,
  rt: DbRuntime,
  id: string,
  next: (current: Definition) => Definition,
  o: AutomationsOptions,
): Promise<number> {
  const { written, description, forecast: effect } = await previewAutomationChange(rt, id, next);
  if (!o.json) io.err(`${description}\n${forecastText(effect)}`);
  if (!(await confirmed(io, o))) {
    io.err('not changed');
    return 1;
  }
  const change = await applyAutomationChange(rt, id, () => written, authorOf(io, o));
  if (o.json)
    io.out(
      JSON.stringify({
        id,
        action: change?.action ?? null,
        forecast: effect,
        replanned: change?.replanned ?? null,
      }),
    );
  else io.out(change ? changeLine(change) : `${id}: nothing to change`);
  return 0;
}

function changeLine(c: AppliedChange): string {
  const { inserted, moved, cancelled } = c.replanned;
  const replanned =
    inserted + moved + cancelled === 0
      ? ''
      : ` (planned ${inserted}, moved ${moved}, cancelled ${cancelled})`;
  return `${c.id}: ${c.action}${replanned}`;
}

export function forecastText(f: ChangeForecast): string {
  const lines = [
    `next ${f.days} days: ${f.adds} more to send, ${f.moves} at another time, ${f.cancels} no longer sent`,
    `${f.pending_affected} already planned and not yet sent`,
  ];
  for (const s of f.samples)
    lines.push(
      `  ${s.change.padEnd(6)} ${s.automation} ${s.customer_id} ${s.before ?? ''}${s.before && s.after ? ' -> ' : ''}${s.after ?? ''}`,
    );
  return lines.join('\n');
}

/** Asks on a terminal unless --yes; without a terminal (scripts) the change is applied. */
async function confirmed(io: Io, o: AutomationsOptions): Promise<boolean> {
  const tty = Reflect.get(io.stdin, 'isTTY') === true;
  if (o.yes || !tty) return true;
  const rl = createInterface({ input: io.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question('apply this change? [y/N] ')).trim());
  } finally {
    rl.close();
  }
}

export function setCmd(
  io: Io,
  rt: DbRuntime,
  id: string,
  pairs: string[],
  o: AutomationsOptions,
): Promise<number> {
  if (pairs.length === 0) throw new AppError('E_USAGE', 'give KEY=VALUE pairs, e.g. on.after=2h');
  return changeCmd(io, rt, id, (current) => applyAssignments(current, pairs), o);
}

export function editCmd(io: Io, rt: DbRuntime, id: string, o: AutomationsOptions): Promise<number> {
  if (!o.file) throw new AppError('E_USAGE', '--file: the new definition, a YAML mapping');
  const doc = parseYaml(readFileSync(o.file, 'utf8')) as unknown;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new AppError('E_USAGE', `${o.file}: is not a mapping of keys (one automation)`);
  return changeCmd(io, rt, id, () => ({ id, ...(doc as Definition) }), o);
}
