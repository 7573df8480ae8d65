/**
 * Use cases on templates — import, save, publish, restore — shared by the CLI and (later) a
 * staff console. Each runs in one transaction that holds the outreach revision's lock and bumps
 * it when what is published changes, so every worker picks the change up on its next poll.
 * Nothing that fails the checks `rapport check` runs is ever published.
 */
import type { Knex } from 'knex';
import type { Database } from '../db/connect.js';
import { bumpRevision, lockRevision } from '../db/outreach-revision.js';
import {
  countTemplates,
  ensureTemplate,
  findTemplate,
  getVersion,
  insertVersion,
  latestFromFiles,
  latestVersion,
  publishedVersions,
  setPublished,
  type TemplateKind,
  type VersionContent,
  type VersionRow,
} from '../db/templates.js';
import { AppError } from '../errors.js';
import { formatProblem, type AutomationTemplate } from '../render/check.js';
import { contentHash, displayName, type Unit } from './units.js';
import { acceptable } from './validate.js';

export interface OutreachDeps {
  db: Database;
  /** For the marketing-footer rule and "the template an automation names exists". */
  automations: readonly AutomationTemplate[];
  now(): number;
}

export type Origin = 'seed' | 'sync' | 'import' | 'restore' | 'edit';

export interface ImportedUnit {
  template: string;
  /** '' is the default variant. */
  locale: string;
  version: number;
  published: boolean;
  /** Why it was not published (empty when it was, or when publishing was not asked for). */
  problems: string[];
}

export interface ImportReport {
  created: ImportedUnit[];
  unchanged: number;
}

export interface ImportOptions {
  author: string;
  origin: Extract<Origin, 'seed' | 'sync' | 'import'>;
  /** Publish each new version that passes the checks (import without --draft, seed, sync). */
  publish: boolean;
}

/**
 * Creates a version for each unit whose content differs from its latest version and, when
 * asked, publishes those that pass. A `sync` compares with what the folder said when last read
 * instead, so a file nobody touched never overrides an edit made in the database. A `seed` does
 * nothing unless the database has no templates at all (several workers may start at once).
 */
export async function importUnits(
  deps: OutreachDeps,
  units: readonly Unit[],
  options: ImportOptions,
): Promise<ImportReport> {
  const now = deps.now();
  return deps.db.knex.transaction(async (trx) => {
    await lockRevision(trx);
    const report: ImportReport = { created: [], unchanged: 0 };
    if (options.origin === 'seed' && (await countTemplates(trx)) > 0) return report;
    const fresh: Array<{ unit: Unit; row: VersionRow }> = [];
    for (const unit of units) {
      const templateId = await ensureTemplate(trx, unit.kind, unit.name, now);
      const sha256 = contentHash(unit);
      const latest = await latestVersion(trx, templateId, unit.locale);
      const baseline =
        options.origin === 'sync' ? await latestFromFiles(trx, templateId, unit.locale) : latest;
      if (baseline?.sha256 === sha256 || latest?.sha256 === sha256) {
        report.unchanged++;
        continue;
      }
      const row = await insertVersion(
        trx,
        {
          ...content(unit),
          templateId,
          locale: unit.locale,
          version: (latest?.version ?? 0) + 1,
          sha256,
          author: options.author,
          origin: options.origin,
        },
        now,
      );
      fresh.push({ unit, row });
    }
    const refused = options.publish
      ? await publishAll(trx, deps, fresh, options.author, now)
      : new Map<Unit, string[]>();
    for (const { unit, row } of fresh) {
      const problems = refused.get(unit) ?? [];
      report.created.push({
        template: displayName(unit),
        locale: unit.locale,
        version: row.version,
        published: options.publish && problems.length === 0,
        problems,
      });
    }
    return report;
  });
}

/** Publishes every version that may go live with the others; returns why the rest may not. */
async function publishAll(
  trx: Knex.Transaction,
  deps: OutreachDeps,
  fresh: ReadonlyArray<{ unit: Unit; row: VersionRow }>,
  author: string,
  now: number,
): Promise<Map<Unit, string[]>> {
  if (fresh.length === 0) return new Map();
  const published = (await publishedVersions(trx)).map(unitOfRow);
  const { accepted, refused } = acceptable(
    published,
    fresh.map((f) => f.unit),
    deps.automations,
  );
  for (const { unit, row } of fresh) if (accepted.has(unit)) await setPublished(trx, row, author, now);
  if (accepted.size > 0) await bumpRevision(trx, now);
  return new Map([...refused].map(([unit, problems]) => [unit, problems.map(formatProblem)]));
}

export interface TemplateRef {
  kind: TemplateKind;
  name: string;
  locale: string;
}

export interface SaveInput extends TemplateRef {
  content: VersionContent;
  /** The version the editor started from; null for a new template or locale. */
  baseVersion: number | null;
  author: string;
  publish: boolean;
}

/**
 * Saves an edit as a new version. Refused with E_CONFLICT when someone saved since the editor
 * loaded `baseVersion`: an edit never silently overwrites another.
 */
export async function saveVersion(deps: OutreachDeps, input: SaveInput): Promise<VersionRow> {
  const now = deps.now();
  return deps.db.knex.transaction(async (trx) => {
    await lockRevision(trx);
    const templateId = await ensureTemplate(trx, input.kind, input.name, now);
    const latest = await latestVersion(trx, templateId, input.locale);
    const current = latest?.version ?? null;
    if (current !== input.baseVersion) {
      throw new AppError(
        'E_CONFLICT',
        `${describe(input)} is at version ${current ?? 'none'}${savedBy(latest)}, not ${input.baseVersion ?? 'none'}: someone saved since you started; reload it and apply your change again`,
      );
    }
    const unit: Unit = { kind: input.kind, name: input.name, locale: input.locale, ...input.content };
    const row = await insertVersion(
      trx,
      {
        ...content(unit),
        templateId,
        locale: input.locale,
        version: (current ?? 0) + 1,
        sha256: contentHash(unit),
        author: input.author,
        origin: 'edit',
      },
      now,
    );
    if (input.publish) await publishChecked(trx, deps, unit, row, input.author, now);
    return row;
  });
}

/** Publishes an existing version (a draft, or an older one) after the checks. */
export async function publishVersion(
  deps: OutreachDeps,
  ref: TemplateRef & { version: number; author: string },
): Promise<VersionRow> {
  const now = deps.now();
  return deps.db.knex.transaction(async (trx) => {
    await lockRevision(trx);
    const row = await requireVersion(trx, ref, ref.version);
    await publishChecked(
      trx,
      deps,
      { kind: ref.kind, name: ref.name, locale: ref.locale, ...content(row) },
      row,
      ref.author,
      now,
    );
    return row;
  });
}

/** Restoring an old version creates a new version equal to it, and publishes that. */
export async function restoreVersion(
  deps: OutreachDeps,
  ref: TemplateRef & { version: number; author: string },
): Promise<VersionRow> {
  const now = deps.now();
  return deps.db.knex.transaction(async (trx) => {
    await lockRevision(trx);
    const old = await requireVersion(trx, ref, ref.version);
    const latest = await latestVersion(trx, old.template_id, ref.locale);
    const unit: Unit = { kind: ref.kind, name: ref.name, locale: ref.locale, ...content(old) };
    const row = await insertVersion(
      trx,
      {
        ...content(old),
        templateId: old.template_id,
        locale: ref.locale,
        version: (latest?.version ?? 0) + 1,
        sha256: old.sha256,
        author: ref.author,
        origin: 'restore',
      },
      now,
    );
    await publishChecked(trx, deps, unit, row, ref.author, now);
    return row;
  });
}

/** ` (saved by ann at 2027-03-10 15:00 UTC)`: who made the version a stale save collides with. */
function savedBy(row: VersionRow | undefined): string {
  if (!row) return '';
  const at = new Date(row.created_at).toISOString().slice(0, 16).replace('T', ' ');
  return ` (saved by ${row.author} at ${at} UTC)`;
}

async function publishChecked(
  trx: Knex.Transaction,
  deps: OutreachDeps,
  unit: Unit,
  row: VersionRow,
  author: string,
  now: number,
): Promise<void> {
  const refused = await publishAll(trx, deps, [{ unit, row }], author, now);
  const problems = refused.get(unit);
  if (problems) {
    throw new AppError(
      'E_TEMPLATE_INVALID',
      `${describe(unit)} version ${row.version} cannot be published: it fails the checks (nothing was changed)`,
      problems,
    );
  }
}

async function requireVersion(trx: Knex, ref: TemplateRef, version: number): Promise<VersionRow> {
  const template = await findTemplate(trx, ref.kind, ref.name);
  const row = template && (await getVersion(trx, template.id, ref.locale, version));
  if (!row)
    throw new AppError(
      'E_NOT_FOUND',
      `${describe(ref)} has no version ${version} (see "rapport templates history")`,
    );
  return row;
}

export function describe(ref: TemplateRef): string {
  const name = displayName(ref);
  return ref.locale === '' ? `template "${name}"` : `template "${name}" (${ref.locale})`;
}

function content(c: VersionContent): VersionContent {
  return { subject: c.subject, html: c.html, text: c.text };
}

export function unitOfRow(row: VersionRow & { kind: TemplateKind; name: string }): Unit {
  return { kind: row.kind, name: row.name, locale: row.locale, ...content(row) };
}
