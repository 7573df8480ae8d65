/**
 * Reading the templates folder into memory. Synchronous on purpose: the folder is a few dozen
 * small files, read at start-up and after an edit, and a synchronous read keeps reload() simple to
 * reason about and to test.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface SourceFile {
  /** As shown to people: relative to the templates folder's parent, `/`-separated. */
  label: string;
  source: string;
  /** Content hash: a template is compiled once per version. */
  hash: string;
}

export interface TemplateFiles {
  /** Label of the folder, e.g. `templates/birthday`. */
  folder: string;
  subject?: SourceFile;
  html?: SourceFile;
  text?: SourceFile;
}

export interface TemplateSources {
  /** Label of the templates folder itself, e.g. `templates`. */
  root: string;
  exists: boolean;
  layouts: Map<string, SourceFile>;
  partials: Map<string, SourceFile>;
  templates: Map<string, TemplateFiles>;
}

export const LAYOUTS_DIR = 'layouts';
export const PARTIALS_DIR = 'partials';
export const DEFAULT_LAYOUT = 'default';
const PARTS = ['subject', 'html', 'text'] as const;

export function readTemplateSources(dir: string): TemplateSources {
  const base = path.dirname(path.resolve(dir));
  const label = (file: string) => path.relative(base, file).split(path.sep).join('/');
  const root = path.resolve(dir);
  const sources: TemplateSources = {
    root: label(root),
    exists: isDirectory(root),
    layouts: new Map(),
    partials: new Map(),
    templates: new Map(),
  };
  if (!sources.exists) return sources;
  for (const [name, file] of hbsFiles(path.join(root, LAYOUTS_DIR))) {
    sources.layouts.set(name, readSource(file, label(file)));
  }
  for (const [name, file] of hbsFiles(path.join(root, PARTIALS_DIR))) {
    sources.partials.set(name, readSource(file, label(file)));
  }
  for (const name of visible(root)) {
    const folder = path.join(root, name);
    if (name === LAYOUTS_DIR || name === PARTIALS_DIR || !isDirectory(folder)) continue;
    const files: TemplateFiles = { folder: label(folder) };
    for (const part of PARTS) {
      const file = path.join(folder, `${part}.hbs`);
      if (existsSync(file)) files[part] = readSource(file, label(file));
    }
    sources.templates.set(name, files);
  }
  return sources;
}

function readSource(file: string, label: string): SourceFile {
  // Editors save with CRLF on some systems; line numbers must not depend on it.
  const source = readFileSync(file, 'utf8').replace(/\r\n?/g, '\n');
  return { label, source, hash: createHash('sha256').update(source).digest('hex') };
}

/** `*.hbs` files directly in `dir`, by name without extension. */
function hbsFiles(dir: string): Array<[string, string]> {
  if (!isDirectory(dir)) return [];
  return visible(dir)
    .filter((entry) => entry.endsWith('.hbs'))
    .map((entry): [string, string] => [entry.slice(0, -'.hbs'.length), path.join(dir, entry)])
    .filter(([, file]) => isFile(file));
}

/** Directory entries, without editor leftovers (`.x.swp`, `x~`), sorted for stable output. */
function visible(dir: string): string[] {
  return readdirSync(dir)
    .filter((entry) => !entry.startsWith('.') && !entry.endsWith('~'))
    .sort();
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
