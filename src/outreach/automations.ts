/**
 * Automations in the database: seeded from the config file's `automations:`, then changed only
 * through these functions (CLI, console). Every definition is validated exactly as the file's
 * are, and a change is all-or-nothing.
 */
import type { Knex } from 'knex';
import { isRecord } from '../unknown.js';
import type { Automation, Config } from '../config/schema.js';
import { validateAutomations } from '../config/load.js';
import {
  applyAutomationChanges,
  asWritten,
  type AutomationAction,
  type AutomationChange,
  type StoredAutomation,
} from '../db/automations.js';
import { AppError } from '../errors.js';

export interface AutomationDeps {
  knex: Knex;
  /** The settings the automations are checked against (templates dir, postal address…). */
  config: Config;
  templateExists?: (name: string, templatesDir: string) => boolean;
  now: () => number;
}

export type Definition = Record<string, unknown>;

/** A change as reported: what happened to which automation. */
export interface ChangeReport {
  id: string;
  action: AutomationAction;
}

/** Key-sorted JSON: two definitions are the same when this is. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isRecord(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** Splits a written definition (as in the file) into the stored definition and its enabled flag. */
function splitWritten(written: Definition): { definition: Definition; enabled: boolean } {
  const { enabled, ...definition } = written;
  return { definition, enabled: enabled !== false };
}

/** Validates stored definitions as a whole, in order; problems name the position in `label`. */
export function parseWritten(
  deps: Pick<AutomationDeps, 'config' | 'templateExists'>,
  written: unknown[],
  label: string,
): Automation[] {
  return validateAutomations(written, deps.config, deps.templateExists, label);
}

function writtenOf(stored: readonly StoredAutomation[]): Definition[] {
  return stored.map((s) => asWritten(s.definition, s.enabled));
}

function asObjects(raw: unknown[], label: string): Definition[] {
  return raw.map((entry, i) => {
    if (entry && typeof entry === 'object' && !Array.isArray(entry)) return entry as Definition;
    throw new AppError('E_AUTOMATION_INVALID', `${label}[${i}] is not a mapping of keys`);
  });
}

/**
 * Inserts the file's automations that the database does not have yet (author `seed`). The
 * database's own definitions are never overwritten here: after the first seed it is the source.
 */
export async function seedAutomations(deps: AutomationDeps, raw: unknown[]): Promise<ChangeReport[]> {
  const entries = asObjects(raw, 'automations');
  const changes = await applyAutomationChanges(
    deps.knex,
    (stored) => {
      const have = new Set(stored.map((s) => s.id));
      return entries
        .filter((e) => typeof e.id === 'string' && !have.has(e.id))
        .map((e) => ({ id: String(e.id), action: 'created' as const, ...splitWritten(e), before: null }));
    },
    'seed',
    deps.now(),
  );
  return changes.map(report);
}

/**
 * Applies a file's `automations:` (all or nothing): new ones are added, changed ones replaced,
 * ones the file does not name are left as they are. Validated exactly as the config file is.
 */
export async function importAutomations(
  deps: AutomationDeps,
  raw: unknown[],
  author: string,
): Promise<ChangeReport[]> {
  const entries = asObjects(raw, 'automations');
  parseWritten(deps, entries, 'automations:');
  const changes = await applyAutomationChanges(
    deps.knex,
    (stored) => {
      const byId = new Map(stored.map((s) => [s.id, s]));
      const out: AutomationChange[] = [];
      for (const entry of entries) {
        const before = byId.get(String(entry.id)) ?? null;
        const next = splitWritten(entry);
        if (
          before &&
          canonical(asWritten(before.definition, before.enabled)) ===
            canonical(asWritten(next.definition, next.enabled))
        )
          continue;
        out.push({ id: String(entry.id), action: 'imported', ...next, before });
      }
      // The whole resulting set must hold together (ids, postal address for marketing).
      const after = new Map(stored.map((s) => [s.id, asWritten(s.definition, s.enabled)]));
      for (const c of out) after.set(c.id, asWritten(c.definition, c.enabled));
      parseWritten(deps, [...after.values()], 'automations after import:');
      return out;
    },
    author,
    deps.now(),
  );
  return changes.map(report);
}

/**
 * Replaces one automation's definition with what `next` makes of the current one (both as the
 * file writes them: `enabled: false` when disabled). Null when nothing changed.
 */
export async function changeAutomation(
  deps: AutomationDeps,
  id: string,
  next: (current: Definition) => Definition,
  author: string,
): Promise<ChangeReport | null> {
  const changes = await applyAutomationChanges(
    deps.knex,
    (stored) => {
      const before = stored.find((s) => s.id === id);
      if (!before) throw unknownAutomation(id, stored);
      const written = next(asWritten(before.definition, before.enabled));
      validateEdit(deps, stored, id, written);
      const split = splitWritten(written);
      const same =
        canonical(asWritten(split.definition, split.enabled)) ===
        canonical(asWritten(before.definition, before.enabled));
      if (same) return [];
      const action: AutomationAction =
        canonical(split.definition) !== canonical(before.definition)
          ? 'edited'
          : split.enabled
            ? 'enabled'
            : 'disabled';
      return [{ id, action, ...split, before }];
    },
    author,
    deps.now(),
  );
  return changes[0] ? report(changes[0]) : null;
}

/**
 * The whole set with `id` replaced by `written`, validated as the config file is; problems name
 * the automation by id (`automations.birthday.on.at`). Returns the parsed automation.
 */
export function validateEdit(
  deps: AutomationDeps,
  stored: readonly StoredAutomation[],
  id: string,
  written: Definition,
): Automation {
  const at = stored.findIndex((s) => s.id === id);
  if (at < 0) throw unknownAutomation(id, stored);
  if (written.id !== id)
    throw new AppError(
      'E_AUTOMATION_INVALID',
      `automation "${id}": its id cannot change (id: ${String(written.id)})`,
    );
  const all = writtenOf(stored);
  all[at] = written;
  try {
    return parseWritten(deps, all, `automation "${id}":`)[at] as Automation;
  } catch (error) {
    throw renamed(error, at, id);
  }
}

export function setAutomationEnabled(
  deps: AutomationDeps,
  id: string,
  enabled: boolean,
  author: string,
): Promise<ChangeReport | null> {
  return changeAutomation(deps, id, (current) => ({ ...current, enabled }), author);
}

export function unknownAutomation(id: string, stored: readonly StoredAutomation[]): AppError {
  const known = stored.map((s) => s.id).join(', ') || 'none';
  return new AppError('E_AUTOMATION_UNKNOWN', `no automation "${id}" (there are: ${known})`);
}

/** Problems of a whole-set check name the edited automation by id rather than by position. */
function renamed(error: unknown, at: number, id: string): unknown {
  if (!(error instanceof AppError)) return error;
  const details = error.details.map((line) => line.split(`automations[${at}]`).join(`automations.${id}`));
  return new AppError(error.code, error.message, details);
}

function report(change: AutomationChange): ChangeReport {
  return { id: change.id, action: change.action };
}

/** The file's automations whose definition differs from the stored one (by id), for notes. */
export function differingFromFile(raw: unknown[], stored: readonly StoredAutomation[]): string[] {
  const byId = new Map(stored.map((s) => [s.id, canonical(asWritten(s.definition, s.enabled))]));
  const out: string[] = [];
  for (const entry of raw) {
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Definition;
    const have = byId.get(String(e.id));
    const split = splitWritten(e);
    if (have !== undefined && have !== canonical(asWritten(split.definition, split.enabled)))
      out.push(String(e.id));
  }
  return out;
}
