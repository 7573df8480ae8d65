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
import { specFunction, specKey, type Specs } from './compile-worker.js';
import { errorField } from '../error-fields.js';
import { describeErrorLine } from '../errors.js';
import type { AppEvents } from '../events.js';

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
  /** Code compiled off the main thread for this apply (compile-worker.ts); empty: compile here. */
  private specs: Specs = new Map();

  /** `events` hears of each template brought in or refused (the log listens there). */
  constructor(private readonly events: AppEvents | undefined) {
    registerHelpers(this.hb);
  }

  /** Brings in every unit whose files changed and pass; `problems` come from checkSources. */
  apply(
    sources: TemplateSources,
    problems: readonly Problem[],
    initial: boolean,
    specs?: Specs,
  ): ApplyResult {
    this.specs = specs ?? new Map<string, string>();
    try {
      return this.applyAll(sources, problems, initial);
    } finally {
      this.specs = new Map();
    }
  }

  private applyAll(sources: TemplateSources, problems: readonly Problem[], initial: boolean): ApplyResult {
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
          if (!initial) this.events?.emit('template:reloaded', { template: unit });
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
    this.noteMissing(sources, byUnit, result);
    return result;
  }

  /**
   * A partial is shared: the edit goes live only if every template in use, and every layout,
   * still renders with it. Otherwise the previous partial is put back and the edit is refused,
   * naming the first template it would break.
   */
  private swapPartial(name: string, file: SourceFile): void {
    const plain = this.compileChecked(file, true);
    const html = this.compileChecked(file, false);
    const previous = {
      html: this.hb.partials[name] as Delegate | undefined,
      plain: this.plainPartials[name],
    };
    this.hb.registerPartial(name, html);
    this.plainPartials[name] = plain;
    try {
      this.trialRenderAll();
    } catch (error) {
      if (previous.html) this.hb.registerPartial(name, previous.html);
      else this.hb.unregisterPartial(name);
      if (previous.plain) this.plainPartials[name] = previous.plain;
      else delete this.plainPartials[name];
      throw error;
    }
  }

  private trialRenderAll(): void {
    for (const [name, t] of this.templates) {
      try {
        t.subject(SMOKE_DATA);
        t.html(SMOKE_DATA);
        t.text?.(SMOKE_DATA);
      } catch (error) {
        throw new Error(`breaks template "${name}": ${messageOf(error)}`, { cause: error });
      }
    }
    for (const [name, layout] of this.layouts) {
      try {
        layout({ ...SMOKE_DATA, body: '<p>Sample</p>', subject: 'Sample' });
      } catch (error) {
        throw new Error(`breaks layout "${name}": ${messageOf(error)}`, { cause: error });
      }
    }
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
   * Code the worker compiled is used as is. Otherwise (start-up, `reload()`): Handlebars compiles
   * lazily, on first render; precompile runs the whole compiler now so an error surfaces here,
   * while the last good version is still in place.
   */
  private compileChecked(file: SourceFile, plainText: boolean): Delegate {
    const spec = this.specs.get(specKey(file, plainText));
    if (spec !== undefined) return this.hb.template(specFunction(spec));
    const options = { noEscape: plainText };
    this.hb.precompile(file.source, options);
    return this.hb.compile(file.source, options);
  }

  /** Removed files keep their last good version until restart: deleting a file is an edit too. */
  private noteRemoved(sources: TemplateSources, result: ApplyResult): void {
    for (const unit of this.good.keys()) {
      if (hasSource(sources, unit)) continue;
      const [kind, name = ''] = unit.split(/:(.*)/s);
      const problem = {
        file: unitLabel(kind, name, sources.root),
        line: 0,
        message: 'was removed; the last good version stays in use until restart',
      };
      result.problems.push(problem);
      this.warnOnce(unit, 'removed', [problem]);
    }
  }

  /**
   * Problems of units with no file at all (a template folder an automation names but that is
   * missing) are reported too: no `consider` saw them.
   */
  private noteMissing(sources: TemplateSources, byUnit: Map<string, Problem[]>, result: ApplyResult): void {
    for (const [unit, problems] of byUnit) {
      if (hasSource(sources, unit)) continue;
      result.problems.push(...problems);
      this.warnOnce(unit, 'missing', problems);
    }
  }

  private warnOnce(unit: string, version: string, problems: readonly Problem[]): void {
    if (this.warned.get(unit) === version) return;
    this.warned.set(unit, version);
    this.events?.emit('template:invalid', {
      template: unit,
      keptPrevious: this.good.has(unit),
      problems: problems.map(formatProblem),
    });
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

/** Whether the unit (`template:x`, `partial:x`, `layout:x`) has files on disk. */
function hasSource(sources: TemplateSources, unit: string): boolean {
  const [kind, name = ''] = unit.split(/:(.*)/s);
  if (kind === 'partial') return sources.partials.has(name);
  if (kind === 'layout') return sources.layouts.has(name);
  return kind === 'template' && sources.templates.has(name);
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
  const line = errorField(error, 'lineNumber');
  return typeof line === 'number' ? line : 0;
}

function messageOf(error: unknown): string {
  return describeErrorLine(error);
}
