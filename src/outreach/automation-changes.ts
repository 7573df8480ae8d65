/**
 * A change to automations as the CLI and the console make it: stored (with its history and a
 * new revision), reloaded here, and what was planned for it re-planned at once.
 */
import type { DbRuntime } from '../runtime.js';
import { templateFolderExists } from '../runtime.js';
import { replanAutomation, type ReplanReport } from '../schedule/replan-automation.js';
import type { Automation } from '../config/schema.js';
import { asWritten, listStoredAutomations } from '../db/automations.js';
import { forecastAutomationChange, type ChangeForecast } from './automation-forecast.js';
import { describeAutomation } from './describe.js';
import {
  changeAutomation,
  importAutomations,
  unknownAutomation,
  validateEdit,
  type AutomationDeps,
  type ChangeReport,
  type Definition,
} from './automations.js';

export interface ChangePreview {
  /** The new definition as the file writes it: pass it back to applyAutomationChange. */
  written: Definition;
  automation: Automation;
  /** The new definition in plain words. */
  description: string;
  forecast: ChangeForecast;
}

/**
 * What `next` would make of automation `id`: validated as the file is (throws AppError naming
 * the key), in words, and its effect on the next `days` of planned mail. Writes nothing.
 */
export async function previewAutomationChange(
  rt: DbRuntime,
  id: string,
  next: (current: Definition) => Definition,
  days = 7,
): Promise<ChangePreview> {
  const stored = await listStoredAutomations(rt.db.knex);
  const current = stored.find((s) => s.id === id);
  if (!current) throw unknownAutomation(id, stored);
  const written = next(asWritten(current.definition, current.enabled));
  const automation = validateEdit(automationDeps(rt), stored, id, written);
  const forecast = await forecastAutomationChange(rt, id, automation, { days });
  return { written, automation, description: describeAutomation(automation), forecast };
}

export interface AppliedChange extends ChangeReport {
  replanned: ReplanReport;
}

export function automationDeps(rt: DbRuntime): AutomationDeps {
  return { knex: rt.db.knex, config: rt.config, templateExists: templateFolderExists, now: rt.now };
}

/** `next` gets the definition as the file writes it; null when nothing changed. */
export async function applyAutomationChange(
  rt: DbRuntime,
  id: string,
  next: (current: Definition) => Definition,
  author: string,
): Promise<AppliedChange | null> {
  const change = await changeAutomation(automationDeps(rt), id, next, author);
  if (!change) return null;
  const [applied] = await replanned(rt, [change]);
  return applied ?? null;
}

/** Imports a file's `automations:` (all or nothing) and re-plans each that changed. */
export async function applyAutomationImport(
  rt: DbRuntime,
  raw: unknown[],
  author: string,
): Promise<AppliedChange[]> {
  return replanned(rt, await importAutomations(automationDeps(rt), raw, author));
}

async function replanned(rt: DbRuntime, changes: readonly ChangeReport[]): Promise<AppliedChange[]> {
  if (changes.length === 0) return [];
  await rt.automations.refresh();
  const out: AppliedChange[] = [];
  for (const change of changes)
    out.push({ ...change, replanned: await replanAutomation(rt.db, rt.config, change.id, rt.now()) });
  return out;
}
