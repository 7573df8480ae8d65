/**
 * The compiled templates in use, with last-good semantics: an edit replaces a template, partial
 * or layout only when it checks and compiles; otherwise the previous version stays in use and the
 * reason is logged. A broken edit never stops mail.
 */
import Handlebars from 'handlebars';
import { formatProblem, type Problem } from './check.js';
import { sampleTemplateData } from './data.js';
import { registerHelpers } from './helpers.js';
import type { SourceFile, TemplateFiles, TemplateSources } from './load.js';

export interface TemplateLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

type Delegate = Handlebars.TemplateDelegate;

export interface CompiledTemplate {
  subject: Delegate;
  html: Delegate;
  /** Absent: the text part is derived from the html. */
  text?: Delegate;
}

export interface ApplyResult {
  /** Units swapped in, e.g. `template:birthday`, `partial:footer`, `layout:default`. */
  updated: string[];
  /** Problems of the units that were not swapped in. */
  problems: Problem[];
}

/** Data for test-rendering an edit before it goes live: every section of a template runs. */
const SMOKE_DATA = sampleTemplateData(
  { name: 'Sample Shop', postal_address: '1 Sample Street', timezone: 'UTC', locale: 'en-US' },
  {
    unsubscribe: 'https://example.com/u/x',
    preferences: 'https://example.com/p/x',
    feed: 'https://example.com/feed.xml',
  },
);

export class Registry {
  /** One private instance: helpers and partials registered here never leak into other Handlebars users. */
  private readonly hb = Handlebars.create();
  private readonly good = new Map<string, string>();
  private readonly warned = new Map<string, string>();
  /** Partials compiled without html escaping, for subject and text; updated in place on reload. */
  private readonly plainPartials: Record<string, Delegate> = {};
  readonly templates = new Map<string, CompiledTemplate>();
  readonly layouts = new Map<string, Delegate>();
  /** Template folders seen by the last reload, to tell "missing" from "broken". */
  onDisk: ReadonlySet<string> = new Set();

  constructor(private readonly logger: TemplateLogger | undefined) {
    registerHelpers(this.hb);
  }

  /** Brings in every unit whose files changed and pass; `problems` come from checkSources. */
  apply(sources: TemplateSources, problems: readonly Problem[], initial: boolean): ApplyResult {
    const result: ApplyResult = { updated: [], problems: [] };
    this.onDisk = new Set(sources.templates.keys());
    const byUnit = groupByUnit(problems, sources.root);
    const consider = (unit: string, files: SourceFile[], swap: () => void) => {
      const hash = files.map((f) => `${f.label}:${f.hash}`).join('|');
      if (this.good.get(unit) === hash) {
        this.warned.delete(unit); // a broken edit was reverted: warn again if it comes back
        return;
      }
      let found = byUnit.get(unit) ?? [];
      if (found.length === 0) {
        try {
          swap();
          this.good.set(unit, hash);
          this.warned.delete(unit);
          result.updated.push(unit);
          if (!initial)
            this.logger?.info({ event: 'template.reloaded', template: unit }, `template ${unit} reloaded`);
          return;
        } catch (error) {
          found = [
            {
              file: files[0]?.label ?? sources.root,
              line: lineOf(error),
              message: `does not render: ${messageOf(error)}`,
            },
          ];
        }
      }
      result.problems.push(...found);
      this.warnOnce(unit, hash, found);
    };
    for (const [name, file] of sources.partials) {
      consider(`partial:${name}`, [file], () => this.swapPartial(name, file));
    }
    for (const [name, file] of sources.layouts) {
      consider(`layout:${name}`, [file], () => this.swapLayout(name, file));
    }
    for (const [name, files] of sources.templates) {
      const present = [files.subject, files.html, files.text].filter((f): f is SourceFile => f !== undefined);
      consider(`template:${name}`, present, () => this.swapTemplate(name, files));
    }
    this.noteRemoved(sources, result);
    return result;
  }

  private swapPartial(name: string, file: SourceFile): void {
    const plain = this.compileChecked(file, true);
    this.hb.registerPartial(name, this.compileChecked(file, false));
    this.plainPartials[name] = plain;
  }

  /**
   * Escaping is a compile option of each partial, not of its caller: subject and text (plain
   * text) get their own unescaped build of every partial, so "Smith & Sons" stays as written.
   */
  private plain(template: Delegate): Delegate {
    return (data) => template(data, { partials: this.plainPartials });
  }

  private swapLayout(name: string, file: SourceFile): void {
    const compiled = this.compileChecked(file, false);
    compiled({ ...SMOKE_DATA, body: '<p>Sample</p>', subject: 'Sample' });
    this.layouts.set(name, compiled);
  }

  private swapTemplate(name: string, files: TemplateFiles): void {
    if (!files.subject || !files.html) throw new Error('subject.hbs and html.hbs are required');
    const compiled: CompiledTemplate = {
      subject: this.plain(this.compileChecked(files.subject, true)),
      html: this.compileChecked(files.html, false),
    };
    if (files.text) compiled.text = this.plain(this.compileChecked(files.text, true));
    // A trial render with sample data catches what only shows at run time (a partial that never compiled).
    compiled.subject(SMOKE_DATA);
    compiled.html(SMOKE_DATA);
    compiled.text?.(SMOKE_DATA);
    this.templates.set(name, compiled);
  }

  /**
   * Handlebars compiles lazily, on first render; precompile runs the whole compiler now so an
   * error surfaces here, while the last good version is still in place.
   */
  private compileChecked(file: SourceFile, plainText: boolean): Delegate {
    const options = { noEscape: plainText };
    this.hb.precompile(file.source, options);
    return this.hb.compile(file.source, options);
  }

  /** Removed files keep their last good version until restart: deleting a file is an edit too. */
  private noteRemoved(sources: TemplateSources, result: ApplyResult): void {
    for (const unit of this.good.keys()) {
      const [kind, name = ''] = unit.split(/:(.*)/s);
      const present =
        (kind === 'partial' && sources.partials.has(name)) ||
        (kind === 'layout' && sources.layouts.has(name)) ||
        (kind === 'template' && sources.templates.has(name));
      if (present) continue;
      const problem = {
        file: unitLabel(kind, name, sources.root),
        line: 0,
        message: 'was removed; the last good version stays in use until restart',
      };
      result.problems.push(problem);
      this.warnOnce(unit, 'removed', [problem]);
    }
  }

  private warnOnce(unit: string, version: string, problems: readonly Problem[]): void {
    if (this.warned.get(unit) === version) return;
    this.warned.set(unit, version);
    const kept = this.good.has(unit);
    this.logger?.warn(
      {
        event: 'template.invalid',
        template: unit,
        kept_previous: kept,
        problems: problems.map(formatProblem),
      },
      kept
        ? `template ${unit} has problems; still using the last good version`
        : `template ${unit} has problems and cannot be used`,
    );
  }
}

/** `templates/birthday/html.hbs` → `template:birthday`; `templates/partials/footer.hbs` → `partial:footer`. */
export function unitOf(file: string, root: string): string | undefined {
  if (!file.startsWith(`${root}/`)) return undefined;
  const [first, second] = file.slice(root.length + 1).split('/');
  if (first === undefined) return undefined;
  if ((first === 'partials' || first === 'layouts') && second !== undefined) {
    return `${first === 'partials' ? 'partial' : 'layout'}:${second.replace(/\.hbs$/, '')}`;
  }
  return `template:${first}`;
}

function unitLabel(kind: string | undefined, name: string, root: string): string {
  if (kind === 'partial') return `${root}/partials/${name}.hbs`;
  if (kind === 'layout') return `${root}/layouts/${name}.hbs`;
  return `${root}/${name}`;
}

function groupByUnit(problems: readonly Problem[], root: string): Map<string, Problem[]> {
  const map = new Map<string, Problem[]>();
  for (const problem of problems) {
    const units = new Set([problem.file, ...(problem.related ?? [])].map((file) => unitOf(file, root)));
    for (const unit of units) if (unit !== undefined) map.set(unit, [...(map.get(unit) ?? []), problem]);
  }
  return map;
}

function lineOf(error: unknown): number {
  const line = (error as { lineNumber?: unknown }).lineNumber;
  return typeof line === 'number' ? line : 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
}
