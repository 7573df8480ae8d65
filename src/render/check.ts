/**
 * `rapport check` for templates: every problem names the file and line a person has to open.
 * Pure over TemplateSources (load.ts), so the daemon's reload uses the very same rules.
 */
import Handlebars from 'handlebars';
import {
  DEFAULT_LAYOUT,
  LAYOUTS_DIR,
  PARTIALS_DIR,
  readTemplateSources,
  type SourceFile,
  type TemplateSources,
} from './load.js';
import { DATA_SHAPE, LAYOUT_SHAPE, type Shape } from './shape.js';
import { describeSyntaxError } from './syntax.js';
import { walkTemplate, type ParsedPartial, type WalkContext } from './walk.js';
import { isRecord } from '../unknown.js';

export interface Problem {
  /** Relative to the templates folder's parent, e.g. `templates/birthday/html.hbs`. */
  file: string;
  /** 1-based; 0 when the problem is about the whole file (or folder). */
  line: number;
  message: string;
  /**
   * Other files whose edit may have caused it: the layout, for a marketing template without the
   * footer; the calling template, for a problem inside a partial. Reload uses it so that an edit
   * to one file cannot break another that it did not touch.
   */
  related?: string[];
}

/** One template as automations use it; `transactional` mail is exempt from the footer rule. */
export interface AutomationTemplate {
  id?: string;
  template: string;
  transactional: boolean;
}

export interface CheckOptions {
  /** When given: each must have a template folder, and marketing ones must carry the footer. */
  automations?: readonly AutomationTemplate[];
}

const FOOTER_PARTIAL = 'footer';
const TEXT_FOOTER_PARTIAL = 'footer-text';
const MARKETING_RULE = 'unsubscribe link and postal address are required in marketing mail';

export function formatProblem(problem: Problem): string {
  return problem.line > 0
    ? `${problem.file}:${problem.line}: ${problem.message}`
    : `${problem.file}: ${problem.message}`;
}

export function checkTemplateDir(dir: string, options: CheckOptions = {}): Problem[] {
  return checkSources(readTemplateSources(dir), options);
}

export function checkSources(sources: TemplateSources, options: CheckOptions = {}): Problem[] {
  const seen = new Map<string, Problem>();
  const report: Report = (file, line, message, related) => {
    const key = `${file}\0${line}\0${message}`;
    const problem = seen.get(key) ?? { file, line, message };
    if (related !== undefined && !problem.related?.includes(related)) {
      problem.related = [...(problem.related ?? []), related];
    }
    seen.set(key, problem);
  };
  if (!sources.exists) {
    report(sources.root, 0, 'the templates folder does not exist');
    return [...seen.values()];
  }
  const refused = new Set(sources.refused.map((r) => r.label));
  for (const r of sources.refused) report(r.label, 0, `${r.reason} (not read)`);
  const parse = parser(report);
  const ctx = walkContext(sources, parse, report);
  const walk = (file: SourceFile | undefined, shape: Shape): Set<string> | undefined => {
    const ast = file && parse(file);
    return ast && walkTemplate(ast, file.label, shape, ctx);
  };
  const layout = sources.layouts.get(DEFAULT_LAYOUT);
  if (layout === undefined) {
    report(
      `${sources.root}/${LAYOUTS_DIR}/${DEFAULT_LAYOUT}.hbs`,
      0,
      'the layout is missing: every html body is wrapped in it',
    );
  }
  // undefined when the layout is missing or broken: that is reported once, not once per template.
  const layoutPartials = walk(layout, LAYOUT_SHAPE);
  const uses = new Map<string, { html: boolean; text: boolean }>();
  for (const [name, files] of sources.templates) {
    for (const part of ['subject', 'html'] as const) {
      if (files[part] === undefined && !refused.has(`${files.folder}/${part}.hbs`))
        report(`${files.folder}/${part}.hbs`, 0, `is missing (a template needs subject.hbs and html.hbs)`);
    }
    walk(files.subject, DATA_SHAPE);
    const html = walk(files.html, DATA_SHAPE);
    const text = walk(files.text, DATA_SHAPE);
    uses.set(name, {
      html: !html || !layoutPartials || html.has(FOOTER_PARTIAL) || layoutPartials.has(FOOTER_PARTIAL),
      text: text === undefined || text.has(TEXT_FOOTER_PARTIAL),
    });
  }
  checkAutomations(sources, options.automations ?? [], uses, report, layout?.label);
  checkFooter(sources, options.automations ?? [], parse, report);
  return [...seen.values()].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.message.localeCompare(b.message),
  );
}

type Report = (file: string, line: number, message: string, related?: string) => void;
type Parse = (file: SourceFile) => hbs.AST.Program | undefined;

/** Parses each file once, reporting syntax errors at their line. */
function parser(report: Report): Parse {
  const cache = new Map<string, hbs.AST.Program | null>();
  return (file) => {
    let ast = cache.get(file.label);
    if (ast === undefined) {
      try {
        ast = Handlebars.parse(file.source);
      } catch (error) {
        const { line, message } = describeSyntaxError(error);
        report(file.label, line, message);
        ast = null;
      }
      cache.set(file.label, ast);
    }
    return ast ?? undefined;
  };
}

function walkContext(sources: TemplateSources, parse: Parse, report: Report): WalkContext {
  const partials = new Map<string, ParsedPartial>();
  for (const [name, file] of sources.partials) {
    const ast = parse(file);
    if (ast) partials.set(name, { file: file.label, ast });
  }
  return {
    partials,
    partialNames: new Set(sources.partials.keys()),
    partialsDir: `${sources.root}/${PARTIALS_DIR}`,
    report,
  };
}

function checkAutomations(
  sources: TemplateSources,
  automations: readonly AutomationTemplate[],
  uses: ReadonlyMap<string, { html: boolean; text: boolean }>,
  report: Report,
  layout: string | undefined,
): void {
  for (const automation of automations) {
    const files = sources.templates.get(automation.template);
    const by = automation.id === undefined ? '' : ` (automation "${automation.id}" uses it)`;
    if (files === undefined) {
      report(`${sources.root}/${automation.template}`, 0, `template folder is missing${by}`);
      continue;
    }
    if (automation.transactional) continue;
    const use = uses.get(automation.template);
    if (files.html && use?.html === false) {
      report(files.html.label, 0, `does not include {{> ${FOOTER_PARTIAL}}} (${MARKETING_RULE})`, layout);
    }
    if (files.text && use?.text === false) {
      report(files.text.label, 0, `does not include {{> ${TEXT_FOOTER_PARTIAL}}} (${MARKETING_RULE})`);
    }
  }
}

/** The footer itself must keep the two things the law asks of marketing mail. */
function checkFooter(
  sources: TemplateSources,
  automations: readonly AutomationTemplate[],
  parse: Parse,
  report: Report,
) {
  if (!automations.some((a) => !a.transactional)) return;
  for (const name of [FOOTER_PARTIAL, TEXT_FOOTER_PARTIAL]) {
    const file = sources.partials.get(name);
    const ast = file && parse(file);
    if (!file || !ast) continue;
    const paths = pathsIn(ast);
    for (const required of ['links.unsubscribe', 'business.postal_address']) {
      if (!paths.has(required)) report(file.label, 0, `does not show {{${required}}} (${MARKETING_RULE})`);
    }
  }
}

/** Every path named anywhere in a tree, as written. */
function pathsIn(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const child of node) pathsIn(child, out);
  else if (isRecord(node)) {
    const record = node;
    if (record.type === 'PathExpression' && typeof record.original === 'string') out.add(record.original);
    for (const [key, value] of Object.entries(record)) if (key !== 'loc') pathsIn(value, out);
  }
  return out;
}
