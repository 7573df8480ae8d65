/**
 * Data that only some automations give a template: `event` (event and survey triggers), `items`
 * (digests, `content: new`) and `occasion` (holiday rules). A template whose automations give
 * none of it renders such a variable as nothing; the editor says so while it is typed.
 */
import Handlebars from 'handlebars';
import type { AutomationTemplate } from '../../render/check.js';
import { isRecord } from '../../unknown.js';

/** An automation as configured: its trigger and content say what data its template gets. */
export type AutomationUse = AutomationTemplate & { on?: object; content?: string };

const ROOTS = ['event', 'items', 'occasion'] as const;
type Root = (typeof ROOTS)[number];
const isRoot = (name: string | undefined): name is Root => ROOTS.some((root) => root === name);

const GIVEN_BY: Record<Root, { by: (a: AutomationUse) => boolean; what: string }> = {
  event: { by: (a) => !!a.on && ('event' in a.on || 'survey' in a.on), what: 'is triggered by an event' },
  items: { by: (a) => a.content === 'new', what: 'is a digest (content: new)' },
  occasion: { by: (a) => !!a.on && 'holiday' in a.on, what: 'is a holiday rule' },
};

export interface Unprovided {
  line: number;
  column: number;
  message: string;
}

/** Variables of `source` that none of the template's automations provide (none when it has none). */
export function unprovidedVariables(source: string, automations: readonly AutomationUse[]): Unprovided[] {
  if (automations.length === 0) return [];
  const missing = ROOTS.filter((root) => !automations.some(GIVEN_BY[root].by));
  if (missing.length === 0) return [];
  let ast: hbs.AST.Program;
  try {
    ast = Handlebars.parse(source);
  } catch {
    return []; // the syntax error is reported by the checks
  }
  const names = automations.map((a) => a.id ?? a.template).join(', ');
  const out: Unprovided[] = [];
  visit(ast, (path) => {
    const root = path.original.replace(/^@root\./, '').split('.')[0];
    if (!isRoot(root) || !missing.includes(root) || path.data || path.depth > 0) return;
    out.push({
      line: path.loc.start.line,
      column: path.loc.start.column + 1,
      message: `"${path.original}" will be empty: no automation using this template (${names}) ${GIVEN_BY[root].what}`,
    });
  });
  return out;
}

function visit(node: unknown, onPath: (path: hbs.AST.PathExpression) => void): void {
  if (Array.isArray(node)) for (const child of node) visit(child, onPath);
  else if (isRecord(node)) {
    if (isPathNode(node)) onPath(node);
    for (const [key, value] of Object.entries(node)) if (key !== 'loc') visit(value, onPath);
  }
}

/** A node the parser tagged as a path (it always gives one `original`, `data`, `depth` and `loc`). */
function isPathNode(node: Record<string, unknown>): node is Record<string, unknown> & hbs.AST.PathExpression {
  return node.type === 'PathExpression' && typeof node.original === 'string';
}
