/**
 * What the console's template editor does, as application functions (no HTTP): list, check a
 * draft as it is typed, autosave drafts, publish, history, diff, restore, preview as a real
 * customer and send a test. Built on the same use cases as `rapport templates …`, `rapport
 * check`, `rapport preview` and `rapport send-test`: one implementation of each rule.
 */
import type { Database } from '../../db/connect.js';
import { listTemplates as templateRows, listVersions, publishedVersions } from '../../db/templates.js';
import type { TemplateKind, VersionRow } from '../../db/templates.js';
import { AppError } from '../../errors.js';
import { diffVersions, showVersion, templateHistory } from '../../outreach/catalog.js';
import {
  describe,
  publishVersion,
  restoreVersion,
  saveVersion,
  type OutreachDeps,
  type TemplateRef,
} from '../../outreach/templates.js';
import { contentHash, displayName } from '../../outreach/units.js';
import { checkDraft, draftUnit, type DraftContent } from './check.js';

export { checkDraft } from './check.js';
export type { DraftContent, DraftProblem } from './check.js';
export { findCustomersForPreview, PreviewStore, previewAs, sendTest, TestSendLimiter } from './preview.js';

export interface TemplateSummary {
  /** `birthday`, or `partial:footer` / `layout:default`. */
  name: string;
  kind: TemplateKind;
  variants: VariantSummary[];
}

export interface VariantSummary {
  /** '' is the default variant. */
  locale: string;
  /** The version in use; null when none is published yet. */
  published: number | null;
  /** The latest version when it is newer than the published one (an unpublished draft). */
  draft: number | null;
  /** Who saved the latest version, and when (epoch ms). */
  lastEditor: string;
  lastEditedAt: number;
}

/** Every template, layout and partial with its variants, published version and latest draft. */
export async function listTemplates(db: Database): Promise<TemplateSummary[]> {
  const published = new Map(
    (await publishedVersions(db.knex)).map((p) => [`${p.template_id}\0${p.locale}`, p.version]),
  );
  const out: TemplateSummary[] = [];
  for (const t of await templateRows(db.knex)) {
    const latest = new Map<string, VersionRow>();
    for (const v of await listVersions(db.knex, t.id)) latest.set(v.locale, v); // oldest first
    const variants = [...latest.values()].map((v) => {
      const inUse = published.get(`${t.id}\0${v.locale}`) ?? null;
      return {
        locale: v.locale,
        published: inUse,
        draft: inUse === null || v.version > inUse ? v.version : null,
        lastEditor: v.author,
        lastEditedAt: v.created_at,
      };
    });
    out.push({ name: displayName(t), kind: t.kind, variants });
  }
  return out;
}

export interface SaveDraftInput extends DraftContent {
  /** The version the editor started from (null for a new template or language). */
  baseVersion: number | null;
  author: string;
}

export interface SavedDraft {
  version: number;
  author: string;
  savedAt: number;
  /** False when the content was already that of baseVersion (nothing was stored). */
  created: boolean;
}

/**
 * Stores the draft as a new, unpublished version. Refused with E_CONFLICT (naming who saved
 * which version when) when someone saved since `baseVersion`; an unchanged draft stores nothing.
 */
export async function saveDraft(deps: OutreachDeps, input: SaveDraftInput): Promise<SavedDraft> {
  const unit = draftUnit(input);
  const ref: TemplateRef = { kind: 'template', name: unit.name, locale: unit.locale };
  if (input.baseVersion !== null) {
    const base = await showVersion(deps.db, ref, input.baseVersion);
    const latest = (await templateHistory(deps.db, ref)).at(-1);
    if (latest?.version === base.version && base.sha256 === contentHash(unit))
      return { version: base.version, author: base.author, savedAt: base.created_at, created: false };
  }
  const row = await saveVersion(deps, {
    ...ref,
    content: { subject: unit.subject, html: unit.html, text: unit.text },
    baseVersion: input.baseVersion,
    author: input.author,
    publish: false,
  });
  return { version: row.version, author: row.author, savedAt: row.created_at, created: true };
}

export interface VersionAction {
  name: string;
  locale?: string;
  version: number;
  author: string;
}

/**
 * Makes a saved version the one in use. Refused with E_TEMPLATE_INVALID while checkDraft finds
 * an error in it (the problems are in the error's details); the publish checks run as well.
 */
export async function publish(deps: OutreachDeps, input: VersionAction): Promise<VersionRow> {
  const ref: TemplateRef = { kind: 'template', name: input.name, locale: input.locale ?? '' };
  const row = await showVersion(deps.db, ref, input.version);
  const problems = await checkDraft(deps, {
    name: ref.name,
    locale: ref.locale,
    subject: row.subject ?? '',
    html: row.html,
    text: row.text,
  });
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new AppError(
      'E_TEMPLATE_INVALID',
      `${describe(ref)} version ${row.version} cannot be published: fix ${errors.length === 1 ? 'its error' : `its ${errors.length} errors`} first (nothing was changed)`,
      errors.map((p) => `${p.tab}:${p.line}: ${p.message}`),
    );
  }
  return publishVersion(deps, { ...ref, version: input.version, author: input.author });
}

/** A new version equal to an old one, published (as `rapport templates restore`). */
export function restore(deps: OutreachDeps, input: VersionAction): Promise<VersionRow> {
  return restoreVersion(deps, {
    kind: 'template',
    name: input.name,
    locale: input.locale ?? '',
    version: input.version,
    author: input.author,
  });
}

export interface HistoryItem {
  version: number;
  author: string;
  origin: string;
  savedAt: number;
  published: boolean;
  /** Who made it the one in use, and when, each time it was. */
  publications: Array<{ author: string; at: number }>;
}

/** Every version of one variant, newest first. */
export async function history(db: Database, name: string, locale = ''): Promise<HistoryItem[]> {
  const entries = await templateHistory(db, { kind: 'template', name, locale });
  return entries.reverse().map((v) => ({
    version: v.version,
    author: v.author,
    origin: v.origin,
    savedAt: v.created_at,
    published: v.published,
    publications: v.publications.map((p) => ({ author: p.author, at: p.created_at })),
  }));
}

/** A unified diff of two versions (subject, html, text), as `rapport templates diff`. */
export function diff(db: Database, name: string, locale: string, v1: number, v2: number): Promise<string> {
  return diffVersions(db, { kind: 'template', name, locale }, v1, v2);
}
