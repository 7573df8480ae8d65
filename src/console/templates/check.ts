/**
 * The problems of a template being edited, by tab and line, for the editor's gutter. One
 * implementation with `rapport check` and with publishing: the draft is checked with the
 * published layouts and partials, the automations that use it, and a trial render.
 */
import { publishedVersions } from '../../db/templates.js';
import type { Database } from '../../db/connect.js';
import type { Problem } from '../../render/check.js';
import { checkSources } from '../../render/check.js';
import { Registry } from '../../render/registry.js';
import { unitOfRow } from '../../outreach/templates.js';
import { ROOT_LABEL, sourcesOf, unitPaths, type Unit } from '../../outreach/units.js';
import { unprovidedVariables, type AutomationUse } from './provided.js';

export type Tab = 'subject' | 'html' | 'text';

export interface DraftProblem {
  tab: Tab;
  /** 1-based, within that tab's text. */
  line: number;
  column?: number;
  severity: 'error' | 'warning';
  message: string;
}

export interface DraftContent {
  /** A template folder name, e.g. `birthday`. */
  name: string;
  /** '' (or absent) is the default variant. */
  locale?: string;
  subject: string;
  html: string;
  /** Empty or null: derived from the html. */
  text: string | null;
}

export interface CheckDeps {
  db: Database;
  automations: readonly AutomationUse[];
}

/** Gmail cuts a message off at 102 KB ("[Message clipped]"), hiding the footer with it. */
const CLIP_BYTES = 100 * 1024;

export function draftUnit(draft: DraftContent): Unit {
  return {
    kind: 'template',
    name: draft.name,
    locale: draft.locale ?? '',
    subject: draft.subject,
    html: draft.html,
    text: draft.text === null || draft.text.trim() === '' ? null : draft.text,
  };
}

/** Every problem of the draft, errors first, then by tab and line. */
export async function checkDraft(deps: CheckDeps, draft: DraftContent): Promise<DraftProblem[]> {
  const unit = draftUnit(draft);
  const others = (await publishedVersions(deps.db.knex))
    .filter((row) => row.kind !== 'template')
    .map(unitOfRow);
  const sources = sourcesOf([...others, unit], unit.locale);
  const automations = deps.automations.filter((a) => a.template === unit.name);
  const checked = checkSources(sources, { automations });
  const { problems } = new Registry(undefined).apply(sources, checked, true);
  const out = problems.map((p) => toDraftProblem(p, unit));
  for (const tab of ['subject', 'html', 'text'] as const) {
    for (const u of unprovidedVariables(draft[tab] ?? '', automations))
      out.push({ tab, line: u.line, column: u.column, severity: 'warning', message: u.message });
  }
  const bytes = Buffer.byteLength(draft.html, 'utf8');
  if (bytes > CLIP_BYTES) {
    out.push({
      tab: 'html',
      line: 1,
      severity: 'warning',
      message: `the HTML is ${Math.round(bytes / 1024)} KB: Gmail clips messages over 102 KB, hiding the rest and the unsubscribe link`,
    });
  }
  return sortProblems(out);
}

/** A problem named by file (`templates/birthday/html.hbs:7`) as the editor shows it. */
function toDraftProblem(problem: Problem, unit: Unit): DraftProblem {
  const paths = unitPaths(unit);
  const tabs: Array<[Tab, string]> = [
    ['subject', `${ROOT_LABEL}/${paths.subject}`],
    ['html', `${ROOT_LABEL}/${paths.html}`],
    ['text', `${ROOT_LABEL}/${paths.text}`],
  ];
  const own = tabs.find(([, label]) => label === problem.file);
  if (own)
    return { tab: own[0], line: Math.max(1, problem.line), severity: 'error', message: problem.message };
  // In a partial or the layout, or about the whole template: shown on the html's first line,
  // naming the file, since that file is not open in this editor.
  const where = problem.line > 0 ? `${problem.file}:${problem.line}` : problem.file;
  return { tab: 'html', line: 1, severity: 'error', message: `${where}: ${problem.message}` };
}

const TAB_ORDER: Record<Tab, number> = { subject: 0, html: 1, text: 2 };

function sortProblems(problems: DraftProblem[]): DraftProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const key = `${p.tab}\0${p.line}\0${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort(
      (a, b) =>
        (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
        TAB_ORDER[a.tab] - TAB_ORDER[b.tab] ||
        a.line - b.line,
    );
}
