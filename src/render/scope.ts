/**
 * What a `{{ }}` can see at one point of a template: the context stack, block params and
 * `@data` variables — and what a path resolves to there.
 */
import { ANY, SCALAR, resolveShape, type Shape } from './shape.js';
import { suggestPath } from './suggest.js';

type Path = hbs.AST.PathExpression;

export interface ParsedPartial {
  file: string;
  ast: hbs.AST.Program;
}

export interface Scope {
  file: string;
  root: Shape;
  /** Context stack, innermost last: `../` climbs it. */
  contexts: readonly Shape[];
  params: ReadonlyMap<string, Shape>;
  inEach: boolean;
  inlines: ReadonlyMap<string, ParsedPartial>;
  /** Partials being expanded, so a recursive partial is reported rather than followed forever. */
  chain: readonly string[];
}

const EACH_DATA = new Set(['index', 'first', 'last', 'key']);

/** The shape `path` names in `scope`, or why the data never has it. */
export function lookup(path: Path, scope: Scope): { shape?: Shape; problem?: string } {
  const [head, ...rest] = path.parts;
  if (path.data) {
    if (head === 'root') return found(resolveShape(scope.root, rest), path, scope.root, rest);
    if (head !== undefined && EACH_DATA.has(head)) {
      if (!scope.inEach) return { problem: `@${head} only exists inside {{#each}}` };
      return rest.length === 0 ? { shape: SCALAR } : { problem: `unknown variable "${path.original}"` };
    }
    return head === 'partial-block' ? { shape: ANY } : { problem: `unknown variable "${path.original}"` };
  }
  const thisPrefixed = /^(this\b|\.\/)/.test(path.original);
  if (path.depth === 0 && head !== undefined && !thisPrefixed && scope.params.has(head)) {
    return found(resolveShape(scope.params.get(head) ?? ANY, rest), path, undefined, []);
  }
  const context = scope.contexts[scope.contexts.length - 1 - path.depth];
  if (context === undefined) return { problem: `unknown variable "${path.original}": too many "../"` };
  const result = found(resolveShape(context, path.parts), path, context, path.parts);
  if (result.shape === undefined && scope.contexts.length > 1 && resolveShape(scope.root, path.parts)) {
    const where = `inside {{#each}} or {{#with}} the context changes; write @root.${path.parts.join('.')}`;
    return { problem: `unknown variable "${path.original}" (${where})` };
  }
  return result;
}

function found(shape: Shape | undefined, path: Path, base: Shape | undefined, parts: readonly string[]) {
  if (shape !== undefined) return { shape };
  const hint = base === undefined ? undefined : suggestPath(base, parts);
  const prefix = path.original.slice(0, path.original.length - parts.join('.').length);
  const suggestion = hint === undefined ? '' : ` (did you mean "${prefix}${hint}"?)`;
  return { problem: `unknown variable "${path.original}"${suggestion}` };
}

/** Handlebars merges a partial's hash into its context: `{{> card title=x}}`. */
export function partialContext(
  param: Shape | undefined,
  hash: ReadonlyArray<readonly [string, Shape]>,
  current: Shape,
): Shape {
  const base = param ?? current;
  if (hash.length === 0) return base;
  if (base.kind === 'any' || base.kind === 'map') return ANY;
  const fields = base.kind === 'object' ? { ...base.fields } : {};
  for (const [key, shape] of hash) fields[key] = shape;
  return { kind: 'object', fields };
}
