/**
 * Templates as the database keeps them — units (a template, a layout or a partial) with content
 * per locale — and the bridge to the render checks, which work on TemplateSources labelled like
 * files (`templates/birthday/html.hbs`), so a problem reads the same whether it came from a
 * folder or from the database, and an export puts each unit at the path its problems name.
 */
import { createHash } from 'node:crypto';
import {
  LAYOUTS_DIR,
  PARTIALS_DIR,
  type SourceFile,
  type TemplateFiles,
  type TemplateSources,
} from '../render/load.js';
import type { TemplateKind, VersionContent } from '../db/templates.js';
import { AppError } from '../errors.js';

export const ROOT_LABEL = 'templates';

export interface Unit extends VersionContent {
  kind: TemplateKind;
  name: string;
  /** '' is the default variant. */
  locale: string;
}

/** `template:birthday`, `partial:footer`, `layout:default`: as the registry names units. */
export function unitKey(unit: { kind: TemplateKind; name: string }): string {
  return `${unit.kind}:${unit.name}`;
}

/** `birthday`, `partial:footer`, `layout:default` as a person types them. */
export function parseUnitName(text: string): { kind: TemplateKind; name: string } {
  const m = /^(?:(template|layout|partial):)?([a-z0-9][a-z0-9_.-]*)$/i.exec(text.trim());
  if (!m?.[2]) {
    throw new AppError(
      'E_USAGE',
      `"${text}" is not a template name (e.g. birthday, partial:footer, layout:default)`,
    );
  }
  return { kind: (m[1]?.toLowerCase() ?? 'template') as TemplateKind, name: m[2] };
}

export function displayName(unit: { kind: TemplateKind; name: string }): string {
  return unit.kind === 'template' ? unit.name : unitKey(unit);
}

export function contentHash(content: VersionContent): string {
  return createHash('sha256')
    .update(JSON.stringify([content.subject, content.html, content.text]))
    .digest('hex');
}

function sourceFile(label: string, source: string): SourceFile {
  return { label, source, hash: createHash('sha256').update(source).digest('hex') };
}

/** Where a unit's parts live under the templates folder (relative paths, `/`-separated). */
export function unitPaths(unit: { kind: TemplateKind; name: string; locale: string }): {
  subject: string;
  html: string;
  text: string;
} {
  if (unit.kind === 'layout') return { subject: '', html: `${LAYOUTS_DIR}/${unit.name}.hbs`, text: '' };
  if (unit.kind === 'partial') return { subject: '', html: `${PARTIALS_DIR}/${unit.name}.hbs`, text: '' };
  const folder = unit.locale === '' ? unit.name : `${unit.name}/${unit.locale}`;
  return { subject: `${folder}/subject.hbs`, html: `${folder}/html.hbs`, text: `${folder}/text.hbs` };
}

/**
 * The sources a renderer for `locale` uses: layouts and partials, and each template's variant
 * for that locale where it has one, its default otherwise.
 */
export function sourcesOf(units: Iterable<Unit>, locale = ''): TemplateSources {
  const sources: TemplateSources = {
    root: ROOT_LABEL,
    exists: true,
    refused: [],
    layouts: new Map(),
    partials: new Map(),
    templates: new Map(),
  };
  const chosen = new Map<string, Unit>();
  for (const unit of units) {
    if (unit.locale !== '' && unit.locale !== locale) continue;
    const key = unitKey(unit);
    if (chosen.has(key) && unit.locale === '') continue;
    chosen.set(key, unit);
  }
  for (const unit of chosen.values()) {
    const paths = unitPaths(unit);
    const label = (p: string) => `${ROOT_LABEL}/${p}`;
    if (unit.kind === 'layout') sources.layouts.set(unit.name, sourceFile(label(paths.html), unit.html));
    else if (unit.kind === 'partial')
      sources.partials.set(unit.name, sourceFile(label(paths.html), unit.html));
    else {
      const files: TemplateFiles = { folder: label(paths.html.replace(/\/html\.hbs$/, '')) };
      if (unit.subject !== null) files.subject = sourceFile(label(paths.subject), unit.subject);
      files.html = sourceFile(label(paths.html), unit.html);
      if (unit.text !== null) files.text = sourceFile(label(paths.text), unit.text);
      sources.templates.set(unit.name, files);
    }
  }
  return sources;
}

/** The units of a folder read by readTemplateSources (the default variants). */
export function unitsOfSources(sources: TemplateSources): Unit[] {
  const units: Unit[] = [];
  for (const [name, file] of sources.layouts) {
    units.push({ kind: 'layout', name, locale: '', subject: null, html: file.source, text: null });
  }
  for (const [name, file] of sources.partials) {
    units.push({ kind: 'partial', name, locale: '', subject: null, html: file.source, text: null });
  }
  for (const [name, files] of sources.templates) {
    units.push({
      kind: 'template',
      name,
      locale: '',
      subject: files.subject?.source ?? null,
      html: files.html?.source ?? '',
      text: files.text?.source ?? null,
    });
  }
  return units;
}

/** Locales that have a variant of some template, '' first. */
export function localesOf(units: Iterable<Unit>): string[] {
  const set = new Set<string>(['']);
  for (const unit of units) set.add(unit.locale);
  return [...set].sort();
}
