/**
 * Queries on templates, their immutable versions and what is published. A version row is never
 * updated: an edit, an import or a restore inserts a new one.
 */
import type { Knex } from 'knex';
import { countOf, insertedId, num, oneOf, rowOf, rowsOf, str, strOrNull, type Row } from './read.js';

const TEMPLATE_KINDS = ['template', 'layout', 'partial'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

export interface TemplateRow {
  id: number;
  kind: TemplateKind;
  name: string;
  created_at: number;
}

export interface VersionContent {
  subject: string | null;
  html: string;
  text: string | null;
}

export interface VersionRow extends VersionContent {
  id: number;
  template_id: number;
  /** '' is the default variant. */
  locale: string;
  version: number;
  sha256: string;
  author: string;
  origin: string;
  created_at: number;
}

/** A published version with its template's kind and name. */
export interface PublishedRow extends VersionRow {
  kind: TemplateKind;
  name: string;
}

export interface PublicationRow {
  locale: string;
  version_id: number;
  version: number;
  author: string;
  created_at: number;
}

function templateRow(row: Row): TemplateRow {
  return {
    id: num(row, 'id'),
    kind: oneOf(row, 'kind', TEMPLATE_KINDS),
    name: str(row, 'name'),
    created_at: num(row, 'created_at'),
  };
}

function versionRow(row: Row): VersionRow {
  return {
    id: num(row, 'id'),
    template_id: num(row, 'template_id'),
    locale: str(row, 'locale'),
    version: num(row, 'version'),
    subject: strOrNull(row, 'subject'),
    html: str(row, 'html'),
    text: strOrNull(row, 'text'),
    sha256: str(row, 'sha256'),
    author: str(row, 'author'),
    origin: str(row, 'origin'),
    created_at: num(row, 'created_at'),
  };
}

export async function countTemplates(knex: Knex): Promise<number> {
  return countOf(await knex('templates').count({ n: '*' }).first());
}

export async function listTemplates(knex: Knex): Promise<TemplateRow[]> {
  return rowsOf(await knex('templates').orderBy(['kind', 'name'])).map(templateRow);
}

export async function findTemplate(
  knex: Knex,
  kind: TemplateKind,
  name: string,
): Promise<TemplateRow | undefined> {
  const row = rowOf(await knex('templates').where({ kind, name }).first());
  return row && templateRow(row);
}

/** The template's id, creating the row on first use. */
export async function ensureTemplate(
  trx: Knex,
  kind: TemplateKind,
  name: string,
  now: number,
): Promise<number> {
  const found = await findTemplate(trx, kind, name);
  if (found) return found.id;
  return insertedId(await trx('templates').insert({ kind, name, created_at: now }, ['id']));
}

export function latestVersion(
  knex: Knex,
  templateId: number,
  locale: string,
): Promise<VersionRow | undefined> {
  return newestVersion(knex, templateId, locale);
}

/** The newest version that came from the templates folder (seed or sync), to tell a file edit. */
export function latestFromFiles(
  knex: Knex,
  templateId: number,
  locale: string,
): Promise<VersionRow | undefined> {
  return newestVersion(knex, templateId, locale, ['seed', 'sync']);
}

async function newestVersion(
  knex: Knex,
  templateId: number,
  locale: string,
  origins?: readonly string[],
): Promise<VersionRow | undefined> {
  const query = knex('template_versions').where({ template_id: templateId, locale });
  if (origins) query.whereIn('origin', origins);
  const row = rowOf(await query.orderBy('version', 'desc').first());
  return row && versionRow(row);
}

export async function getVersion(
  knex: Knex,
  templateId: number,
  locale: string,
  version: number,
): Promise<VersionRow | undefined> {
  const row = rowOf(
    await knex('template_versions').where({ template_id: templateId, locale, version }).first(),
  );
  return row && versionRow(row);
}

export async function listVersions(knex: Knex, templateId: number, locale?: string): Promise<VersionRow[]> {
  const query = knex('template_versions').where('template_id', templateId);
  if (locale !== undefined) query.where('locale', locale);
  return rowsOf(await query.orderBy([{ column: 'locale' }, { column: 'version' }])).map(versionRow);
}

export interface NewVersion extends VersionContent {
  templateId: number;
  locale: string;
  version: number;
  sha256: string;
  author: string;
  origin: string;
}

export async function insertVersion(trx: Knex, v: NewVersion, now: number): Promise<VersionRow> {
  const row = {
    template_id: v.templateId,
    locale: v.locale,
    version: v.version,
    subject: v.subject,
    html: v.html,
    text: v.text,
    sha256: v.sha256,
    author: v.author,
    origin: v.origin,
    created_at: now,
  };
  const id = insertedId(await trx('template_versions').insert(row, ['id']));
  return { ...row, id };
}

/** Makes `versionId` the published one for its (template, locale), and logs who did it. */
export async function setPublished(
  trx: Knex,
  version: VersionRow,
  author: string,
  now: number,
): Promise<void> {
  await trx('template_published')
    .insert({
      template_id: version.template_id,
      locale: version.locale,
      version_id: version.id,
      published_by: author,
      published_at: now,
    })
    .onConflict(['template_id', 'locale'])
    .merge({ version_id: version.id, published_by: author, published_at: now });
  await trx('template_publications').insert({
    template_id: version.template_id,
    locale: version.locale,
    version_id: version.id,
    author,
    created_at: now,
  });
}

/** Every published version, with its template's kind and name. */
export async function publishedVersions(knex: Knex): Promise<PublishedRow[]> {
  const rows = rowsOf(
    await knex('template_published as p')
      .join('template_versions as v', 'v.id', 'p.version_id')
      .join('templates as t', 't.id', 'p.template_id')
      .select('v.*', 't.kind', 't.name')
      .orderBy([{ column: 't.kind' }, { column: 't.name' }, { column: 'v.locale' }]),
  );
  return rows.map((row) => ({
    ...versionRow(row),
    kind: oneOf(row, 'kind', TEMPLATE_KINDS),
    name: str(row, 'name'),
  }));
}

export async function listPublications(knex: Knex, templateId: number): Promise<PublicationRow[]> {
  const rows = rowsOf(
    await knex('template_publications as p')
      .join('template_versions as v', 'v.id', 'p.version_id')
      .where('p.template_id', templateId)
      .select('p.locale', 'p.version_id', 'v.version', 'p.author', 'p.created_at')
      .orderBy('p.id'),
  );
  return rows.map((row) => ({
    locale: str(row, 'locale'),
    version_id: num(row, 'version_id'),
    version: num(row, 'version'),
    author: str(row, 'author'),
    created_at: num(row, 'created_at'),
  }));
}

/** Whether a template (not a layout or partial) of this name has a published version. */
export async function hasPublishedTemplate(knex: Knex, name: string): Promise<boolean> {
  const row = rowOf(
    await knex('template_published as p')
      .join('templates as t', 't.id', 'p.template_id')
      .where({ 't.kind': 'template', 't.name': name })
      .first('p.template_id'),
  );
  return row !== undefined;
}
