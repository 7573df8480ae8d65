/**
 * Reading the templates folder into memory. Synchronous on purpose: the folder is a few dozen
 * small files (each at most TEMPLATE_MAX_BYTES), read at start-up and after an edit, and a
 * synchronous read keeps reload() simple to reason about and to test. Every file and folder goes
 * through files.ts: a symlink, anything outside the folder, or an oversized file is refused
 * (listed in `refused`, for check to report) and never read.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { inspectEntry, readTemplateFile, realRoot } from './files.js';

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
  /** Files and folders that were not read, and why (a symlink, outside the folder, too big). */
  refused: RefusedFile[];
}

export interface RefusedFile {
  label: string;
  reason: string;
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
    refused: [],
  };
  if (!sources.exists) return sources;
  const folder = new Folder(realRoot(root), label, sources.refused);
  for (const [name, file] of folder.hbsFiles(path.join(root, LAYOUTS_DIR))) {
    const source = folder.read(file);
    if (source) sources.layouts.set(name, source);
  }
  for (const [name, file] of folder.hbsFiles(path.join(root, PARTIALS_DIR))) {
    const source = folder.read(file);
    if (source) sources.partials.set(name, source);
  }
  for (const name of visible(root)) {
    const dir = path.join(root, name);
    if (name === LAYOUTS_DIR || name === PARTIALS_DIR || !folder.isDirectory(dir)) continue;
    const files: TemplateFiles = { folder: label(dir) };
    for (const part of PARTS) {
      const source = folder.read(path.join(dir, `${part}.hbs`));
      if (source) files[part] = source;
    }
    sources.templates.set(name, files);
  }
  return sources;
}

/** The templates folder as files.ts judges it; what it refuses is noted once, by label. */
class Folder {
  constructor(
    private readonly root: string,
    private readonly label: (file: string) => string,
    private readonly refused: RefusedFile[],
  ) {}

  /** The file's contents, or undefined when it is absent or refused. */
  read(file: string): SourceFile | undefined {
    const result = readTemplateFile(this.root, file);
    if (!result.ok) {
      if (!result.missing && result.reason !== 'is not a regular file') this.refuse(file, result.reason);
      return undefined;
    }
    // Editors save with CRLF on some systems; line numbers must not depend on it.
    const source = result.source.replace(/\r\n?/g, '\n');
    return { label: this.label(file), source, hash: createHash('sha256').update(source).digest('hex') };
  }

  /** A real folder inside the templates folder; a symlinked one is refused. */
  isDirectory(dir: string): boolean {
    const entry = inspectEntry(this.root, dir);
    if (entry.kind === 'refused') this.refuse(dir, entry.reason ?? 'is refused');
    return entry.kind === 'directory';
  }

  /** `*.hbs` entries directly in `dir`, by name without extension (read() judges each). */
  hbsFiles(dir: string): Array<[string, string]> {
    if (!this.isDirectory(dir)) return [];
    return visible(dir)
      .filter((entry) => entry.endsWith('.hbs'))
      .map((entry): [string, string] => [entry.slice(0, -'.hbs'.length), path.join(dir, entry)]);
  }

  private refuse(file: string, reason: string): void {
    this.refused.push({ label: this.label(file), reason });
  }
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
