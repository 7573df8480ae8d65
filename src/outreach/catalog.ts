/**
 * Read-side use cases on templates: what exists, what is published, the history of one, a diff
 * of two versions, export to a folder and import from one. Shared by the CLI and the console.
 */
import { createTwoFilesPatch } from 'diff';
import {
  findTemplate,
  getVersion,
  listPublications,
  listTemplates,
  listVersions,
  publishedVersions,
  type PublicationRow,
  type TemplateKind,
  type VersionRow,
} from '../db/templates.js';
import type { Database } from '../db/connect.js';
import { AppError } from '../errors.js';
import { readFolderUnits, writeFolderUnits } from './files.js';
import {
  importUnits,
  unitOfRow,
  describe,
  type ImportReport,
  type OutreachDeps,
  type TemplateRef,
} from './templates.js';
import { displayName, unitPaths } from './units.js';

export interface CatalogEntry {
  template: string;
  kind: TemplateKind;
  /** Per locale ('' the default): the published version, and the latest (a draft when higher). */
  locales: Array<{ locale: string; published: number | null; latest: number }>;
}

export async function listCatalog(db: Database): Promise<CatalogEntry[]> {
  const published = await publishedVersions(db.knex);
  const out: CatalogEntry[] = [];
  for (const t of await listTemplates(db.knex)) {
    const latest = new Map<string, number>();
    for (const v of await listVersions(db.knex, t.id))
      latest.set(v.locale, Math.max(latest.get(v.locale) ?? 0, v.version));
    out.push({
      template: displayName(t),
      kind: t.kind,
      locales: [...latest].map(([locale, version]) => ({
        locale,
        published: published.find((p) => p.template_id === t.id && p.locale === locale)?.version ?? null,
        latest: version,
      })),
    });
  }
  return out;
}

/** A version of a template: `version` when given, else the published one. */
export async function showVersion(db: Database, ref: TemplateRef, version?: number): Promise<VersionRow> {
  const template = await findTemplate(db.knex, ref.kind, ref.name);
  if (!template) throw new AppError('E_NOT_FOUND', `no ${describe(ref)} (see rapport templates list)`);
  if (version !== undefined) {
    const row = await getVersion(db.knex, template.id, ref.locale, version);
    if (!row)
      throw new AppError(
        'E_NOT_FOUND',
        `${describe(ref)} has no version ${version} (see rapport templates history)`,
      );
    return row;
  }
  const row = (await publishedVersions(db.knex)).find(
    (p) => p.template_id === template.id && p.locale === ref.locale,
  );
  if (!row)
    throw new AppError(
      'E_NOT_FOUND',
      `${describe(ref)} has no published version (see rapport templates history)`,
    );
  return row;
}

export interface HistoryEntry extends VersionRow {
  published: boolean;
  publications: PublicationRow[];
}

/** Every version, oldest first, with who published it when; `published` marks the one in use. */
export async function templateHistory(
  db: Database,
  ref: Omit<TemplateRef, 'locale'> & { locale?: string },
): Promise<HistoryEntry[]> {
  const template = await findTemplate(db.knex, ref.kind, ref.name);
  if (!template)
    throw new AppError('E_NOT_FOUND', `no ${describe({ ...ref, locale: '' })} (see rapport templates list)`);
  const publications = await listPublications(db.knex, template.id);
  const current = (await publishedVersions(db.knex))
    .filter((p) => p.template_id === template.id)
    .map((p) => p.id);
  return (await listVersions(db.knex, template.id, ref.locale)).map((v) => ({
    ...v,
    published: current.includes(v.id),
    publications: publications.filter((p) => p.version_id === v.id),
  }));
}

/** A unified diff of two versions, part by part (subject, html, text), as the files would differ. */
export async function diffVersions(
  db: Database,
  ref: TemplateRef,
  from: number,
  to: number,
): Promise<string> {
  const [a, b] = [await showVersion(db, ref, from), await showVersion(db, ref, to)];
  const paths = unitPaths(ref);
  const parts: string[] = [];
  for (const part of ['subject', 'html', 'text'] as const) {
    const before = a[part];
    const after = b[part];
    if (before === after || paths[part] === '') continue;
    parts.push(
      createTwoFilesPatch(
        `v${from}/${paths[part]}`,
        `v${to}/${paths[part]}`,
        before ?? '',
        after ?? '',
        undefined,
        undefined,
        {
          context: 3,
        },
      ),
    );
  }
  return parts.join('');
}

/** Writes every published version as files; returns how many units. */
export async function exportTemplates(
  db: Database,
  dir: string,
): Promise<{ units: number; files: string[] }> {
  const units = (await publishedVersions(db.knex)).map(unitOfRow);
  return { units: units.length, files: writeFolderUnits(dir, units) };
}

/** New versions for the files whose content differs; published when they pass unless `draft`. */
export async function importTemplates(
  deps: OutreachDeps,
  dir: string,
  options: { author: string; draft: boolean },
): Promise<ImportReport> {
  const units = readFolderUnits(dir);
  if (units.length === 0)
    throw new AppError(
      'E_NOT_FOUND',
      `no templates in ${dir} (expected layouts/, partials/ and one folder per template)`,
    );
  return importUnits(deps, units, { author: options.author, origin: 'import', publish: !options.draft });
}
