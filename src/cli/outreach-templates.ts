/** `rapport templates …`: the templates in the database, their versions, import and export. */
import { AppError, EXIT } from '../errors.js';
import {
  diffVersions,
  exportTemplates,
  importTemplates,
  listCatalog,
  showVersion,
  templateHistory,
} from '../outreach/catalog.js';
import { outreachDeps, seedIfEmpty } from '../outreach/startup.js';
import {
  publishVersion,
  restoreVersion,
  type ImportReport,
  type TemplateRef,
} from '../outreach/templates.js';
import { parseUnitName } from '../outreach/units.js';
import { validLocale } from '../render/audience.js';
import type { DbRuntime } from '../runtime.js';
import { withRuntime, type GlobalOptions } from './context.js';
import { jsonLines, table, type Io } from './io.js';

export interface TemplatesOptions extends GlobalOptions {
  locale?: string;
  json?: boolean;
  author?: string;
  version?: string;
  draft?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();
const shownLocale = (locale: string) => locale || 'default';

export async function withTemplates(
  io: Io,
  o: TemplatesOptions,
  fn: (rt: DbRuntime) => Promise<number>,
): Promise<number> {
  return withRuntime(io, o, async (rt) => {
    await seedIfEmpty(rt);
    return fn(rt);
  });
}

function refOf(name: string, o: TemplatesOptions): TemplateRef {
  const unit = parseUnitName(name);
  if (o.locale === undefined || o.locale === 'default') return { ...unit, locale: '' };
  const tag = validLocale(o.locale);
  if (tag === undefined)
    throw new AppError('E_USAGE', `--locale: "${o.locale}" is not a locale (e.g. de, pt-BR)`);
  return { ...unit, locale: tag };
}

function versionOf(text: string, what = 'version'): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text))
    throw new AppError('E_USAGE', `${what}: "${text}" is not a version number`);
  return Number(text);
}

function authorOf(io: Io, o: TemplatesOptions): string {
  return (o.author ?? io.env.USER ?? 'cli').slice(0, 200);
}

export async function listCmd(io: Io, rt: DbRuntime, o: TemplatesOptions): Promise<number> {
  const rows = (await listCatalog(rt.db)).flatMap((e) => e.locales.map((l) => ({ ...e, ...l })));
  if (o.json) {
    const lines = rows.map((r) => ({
      template: r.template,
      kind: r.kind,
      locale: r.locale || null,
      published_version: r.published,
      latest_version: r.latest,
    }));
    io.out(jsonLines(lines));
  } else {
    const cells = rows.map((r) => [
      r.template,
      shownLocale(r.locale),
      r.published === null ? '-' : `v${r.published}`,
      `v${r.latest}`,
    ]);
    io.out(rows.length ? table(['template', 'locale', 'published', 'latest'], cells) : 'No templates.');
  }
  return 0;
}

export async function showCmd(io: Io, rt: DbRuntime, name: string, o: TemplatesOptions): Promise<number> {
  const ref = refOf(name, o);
  const v = await showVersion(
    rt.db,
    ref,
    o.version === undefined ? undefined : versionOf(o.version, '--version'),
  );
  if (o.json) {
    const { id: _id, template_id: _t, ...rest } = v;
    io.out(
      JSON.stringify({ template: name, ...rest, locale: v.locale || null, created_at: iso(v.created_at) }),
    );
    return 0;
  }
  io.out(
    `${name} (${shownLocale(v.locale)}) v${v.version} by ${v.author} at ${iso(v.created_at)} sha256 ${v.sha256}`,
  );
  for (const part of ['subject', 'html', 'text'] as const) {
    const text = v[part];
    if (text !== null) io.out(`--- ${part}\n${text}`);
  }
  return 0;
}

export async function historyCmd(io: Io, rt: DbRuntime, name: string, o: TemplatesOptions): Promise<number> {
  const ref = refOf(name, o);
  const entries = await templateHistory(
    rt.db,
    o.locale === undefined ? { kind: ref.kind, name: ref.name } : ref,
  );
  if (o.json) {
    const lines = entries.map((e) => ({
      template: name,
      locale: e.locale || null,
      version: e.version,
      author: e.author,
      origin: e.origin,
      created_at: iso(e.created_at),
      sha256: e.sha256,
      published: e.published,
      publications: e.publications.map((p) => ({ author: p.author, at: iso(p.created_at) })),
    }));
    io.out(jsonLines(lines));
    return 0;
  }
  const cells = entries.map((e) => [
    shownLocale(e.locale),
    `v${e.version}${e.published ? ' *' : ''}`,
    iso(e.created_at).slice(0, 19).replace('T', ' '),
    e.author,
    e.origin,
    e.sha256.slice(0, 12),
    e.publications.map((p) => `${p.author} ${iso(p.created_at).slice(0, 16).replace('T', ' ')}`).join('; '),
  ]);
  io.out(table(['locale', 'version', 'created (UTC)', 'author', 'origin', 'sha256', 'published by'], cells));
  io.out('* in use');
  return 0;
}

export async function diffCmd(
  io: Io,
  rt: DbRuntime,
  name: string,
  [a, b]: [string, string],
  o: TemplatesOptions,
): Promise<number> {
  const patch = await diffVersions(rt.db, refOf(name, o), versionOf(a, 'V1'), versionOf(b, 'V2'));
  io.out(patch === '' ? 'No differences.' : patch);
  return 0;
}

export async function changeCmd(
  io: Io,
  rt: DbRuntime,
  verb: 'publish' | 'restore',
  name: string,
  v: string,
  o: TemplatesOptions,
): Promise<number> {
  const ref = { ...refOf(name, o), version: versionOf(v), author: authorOf(io, o) };
  const row =
    verb === 'publish'
      ? await publishVersion(outreachDeps(rt), ref)
      : await restoreVersion(outreachDeps(rt), ref);
  const how = verb === 'publish' ? 'published' : `restored from v${ref.version} and published`;
  io.out(`${name} (${shownLocale(row.locale)}) v${row.version} ${how}; every worker uses it within seconds`);
  return 0;
}

export async function exportCmd(io: Io, rt: DbRuntime, dir: string): Promise<number> {
  const { units, files } = await exportTemplates(rt.db, dir);
  io.out(`exported ${units} published templates (${files.length} files) to ${dir}`);
  return 0;
}

export async function importCmd(io: Io, rt: DbRuntime, dir: string, o: TemplatesOptions): Promise<number> {
  const report = await importTemplates(outreachDeps(rt), dir, {
    author: authorOf(io, o),
    draft: o.draft === true,
  });
  printImport(io, report, o);
  return report.created.some((c) => c.problems.length > 0) ? EXIT.rejectedRows : EXIT.ok;
}

function printImport(io: Io, report: ImportReport, o: TemplatesOptions): void {
  if (o.json) {
    if (report.created.length > 0) {
      io.out(jsonLines(report.created.map((c) => ({ ...c, locale: c.locale || null }))));
    }
    return;
  }
  for (const c of report.created) {
    const state = c.published
      ? 'published'
      : c.problems.length > 0
        ? 'not published (it fails the checks)'
        : 'saved as a draft';
    io.out(`${c.template} (${shownLocale(c.locale)}) v${c.version} ${state}`);
    for (const p of c.problems) io.err(`  ${p}`);
  }
  io.out(
    `${report.created.length} new version${report.created.length === 1 ? '' : 's'}, ${report.unchanged} unchanged`,
  );
}
