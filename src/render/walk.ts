/**
 * Walks a parsed template the way Handlebars will run it, tracking which data each `{{ }}` can
 * see, so that a misspelt variable, helper or partial is caught before a customer gets an email
 * with a hole in it. Partials are followed at each call site, with the caller's context.
 */
import {
  BLOCK_HELPERS,
  dateFormatProblem,
  HELPER_ARITY,
  isKnownHelper,
  surveyArgsProblem,
} from './helpers.js';
import { lookup, partialContext, type ParsedPartial, type Scope } from './scope.js';
import { ANY, SCALAR, itemShape, type Shape } from './shape.js';
import { suggestHelper } from './suggest.js';
import { isDecoratorBlock, isNode } from './ast.js';

export type { ParsedPartial } from './scope.js';

type AST = hbs.AST.Program;
type Node = hbs.AST.Node;
type Path = hbs.AST.PathExpression;

export interface WalkContext {
  /** Partials that parsed; followed at each call site. */
  partials: ReadonlyMap<string, ParsedPartial>;
  /** Every partial on disk, parsed or not: only these may be named. */
  partialNames: ReadonlySet<string>;
  /** Label of the partials folder, for "add templates/partials/x.hbs". */
  partialsDir: string;
  /** `related`: the template whose walk found a problem inside a partial (its call may be the cause). */
  report(file: string, line: number, message: string, related?: string): void;
}

/** Checks one file; returns the names of the partials it uses, directly or through other partials. */
export function walkTemplate(ast: AST, file: string, root: Shape, ctx: WalkContext): Set<string> {
  const used = new Set<string>();
  const walker = new Walker(ctx, used, file);
  const scope: Scope = {
    file,
    root,
    contexts: [root],
    params: new Map(),
    inEach: false,
    inlines: new Map(),
    chain: [],
  };
  walker.program(ast, scope);
  return used;
}

class Walker {
  constructor(
    private readonly ctx: WalkContext,
    private readonly used: Set<string>,
    private readonly origin: string,
  ) {}

  program(node: AST | undefined, scope: Scope): void {
    if (!node) return;
    const inlines = new Map(scope.inlines);
    for (const stmt of node.body) {
      const name = inlineName(stmt);
      if (name !== undefined && isDecoratorBlock(stmt))
        inlines.set(name, { file: scope.file, ast: stmt.program });
    }
    const inner = inlines.size === scope.inlines.size ? scope : { ...scope, inlines };
    for (const stmt of node.body) this.statement(stmt, inner);
  }

  private statement(node: Node, scope: Scope): void {
    if (isNode(node, 'MustacheStatement')) return this.mustache(node, scope);
    if (isNode(node, 'BlockStatement')) return this.block(node, scope);
    if (isNode(node, 'PartialStatement', 'PartialBlockStatement')) return this.partial(node, scope);
    switch (node.type) {
      case 'DecoratorBlock':
        // An inline partial is checked where it is called, with that call's context.
        if (inlineName(node) !== undefined) return;
        return this.report(scope, node, 'decorators are not supported in templates');
      case 'Decorator':
        return this.report(scope, node, 'decorators are not supported in templates');
    }
  }

  private mustache(node: hbs.AST.MustacheStatement, scope: Scope): void {
    const name = helperName(node.path);
    const hasArgs = node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0;
    if (name !== undefined && isKnownHelper(name)) {
      if (BLOCK_HELPERS.has(name))
        this.report(scope, node, `"${name}" needs a block: {{#${name} …}}…{{/${name}}}`);
      return this.call(name, node, scope);
    }
    if (hasArgs) {
      this.unknownHelper(node.path, scope);
      return this.args(node, scope);
    }
    if (isNode(node.path, 'PathExpression')) this.variable(node.path, scope);
  }

  private block(node: hbs.AST.BlockStatement, scope: Scope): void {
    const name = helperName(node.path);
    if (name !== undefined && isKnownHelper(name)) {
      if (!BLOCK_HELPERS.has(name)) {
        this.report(scope, node, `"${name}" is not a block helper; use it inline or as {{#if (${name} …)}}`);
      }
      this.call(name, node, scope);
      const arg = node.params[0] ? this.shapeOf(node.params[0], scope) : ANY;
      if (name === 'each') return this.each(node, arg, scope);
      if (name === 'with') return this.enter(node, arg, false, [arg], scope);
      return this.enter(node, undefined, false, [], scope);
    }
    if (node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0) {
      this.unknownHelper(node.path, scope);
      this.args(node, scope);
      return this.enter(node, undefined, false, [], scope);
    }
    // A Mustache-style section, {{#items}}…{{/items}}: a list loops, anything else becomes the context.
    const shape =
      name !== undefined && !this.resolves(node.path, scope) ? undefined : this.variable(node.path, scope);
    if (shape === undefined && name !== undefined) this.unknownHelper(node.path, scope);
    if (shape?.kind === 'array') return this.each(node, shape, scope);
    return this.enter(node, shape, false, [], scope);
  }

  private each(node: hbs.AST.BlockStatement, list: Shape, scope: Scope): void {
    let item = itemShape(list);
    if (item === undefined) {
      const what = node.params[0] ?? node.path;
      this.report(scope, node, `cannot loop over "${describe(what)}": it is a single value, not a list`);
      item = ANY;
    }
    this.enter(node, item, true, [item, SCALAR], scope);
  }

  /** Walks a block's body with a new context (if any) and its `as |a b|` params; `{{else}}` keeps the outer scope. */
  private enter(
    node: hbs.AST.BlockStatement,
    context: Shape | undefined,
    each: boolean,
    values: Shape[],
    scope: Scope,
  ) {
    const params = new Map(scope.params);
    (node.program?.blockParams ?? []).forEach((name, i) => params.set(name, values[i] ?? ANY));
    this.program(node.program, {
      ...scope,
      contexts: context === undefined ? scope.contexts : [...scope.contexts, context],
      params,
      inEach: scope.inEach || each,
    });
    this.program(node.inverse, scope);
  }

  private partial(node: hbs.AST.PartialStatement | hbs.AST.PartialBlockStatement, scope: Scope): void {
    if (node.type === 'PartialBlockStatement') this.program(node.program, scope);
    if (node.name.type === 'SubExpression') {
      // Which file it would include is only known per message: no check could vouch for it.
      return this.report(
        scope,
        node,
        'a dynamic partial ({{> (…)}}) cannot be checked before sending; name the partial, e.g. {{> footer}}',
      );
    }
    const shapes = node.params.map((param) => this.shapeOf(param, scope));
    const hash = (node.hash?.pairs ?? []).map((pair) => [pair.key, this.shapeOf(pair.value, scope)] as const);
    if (node.name.data) return; // {{> @partial-block}}
    const name = node.name.original;
    this.used.add(name);
    const source = scope.inlines.get(name) ?? this.ctx.partials.get(name);
    if (source === undefined) {
      const missing = !scope.inlines.has(name) && !this.ctx.partialNames.has(name);
      if (missing && node.type === 'PartialStatement') {
        this.report(
          scope,
          node,
          `partial "${name}" does not exist (add ${this.ctx.partialsDir}/${name}.hbs)`,
        );
      }
      return;
    }
    if (scope.chain.includes(name)) {
      // It would render forever (or until the stack gives out) on every message that uses it.
      const loop = [...scope.chain.slice(scope.chain.indexOf(name)), name].join(' → ');
      return this.report(
        scope,
        node,
        `partial "${name}" includes itself (${loop}); partials cannot be recursive`,
      );
    }
    const context = partialContext(shapes[0], hash, scope.contexts[scope.contexts.length - 1] ?? ANY);
    const pushed = shapes.length > 0 || hash.length > 0;
    this.program(source.ast, {
      ...scope,
      file: source.file,
      contexts: pushed ? [...scope.contexts, context] : scope.contexts,
      params: new Map(),
      chain: [...scope.chain, name],
    });
  }

  /** A helper call: arity, then its arguments. */
  private call(
    name: string,
    node: hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression,
    scope: Scope,
  ) {
    const [min, max] = HELPER_ARITY[name] ?? [0, Infinity];
    const got = node.params.length;
    if (got < min || got > max) {
      const wanted = min === max ? `${min}` : `${min} or ${max}`;
      this.report(
        scope,
        node,
        `helper "${name}" takes ${wanted} argument${max === 1 ? '' : 's'}, got ${got}`,
      );
    }
    const format = node.params[1];
    if (name === 'formatDate' && isNode(format, 'StringLiteral')) {
      const problem = dateFormatProblem(format.value);
      if (problem) this.report(scope, node, problem);
    }
    if (name === 'survey') {
      const literal = (p: hbs.AST.Expression | undefined) =>
        isNode(p, 'StringLiteral') ? p.value : undefined;
      const problem = surveyArgsProblem(literal(node.params[0]), literal(node.params[1]));
      if (problem) this.report(scope, node, problem);
    }
    if (node.type !== 'BlockStatement') this.args(node, scope);
    else this.args({ params: node.params.slice(1), hash: node.hash }, scope);
  }

  private args(node: { params: hbs.AST.Expression[]; hash?: hbs.AST.Hash }, scope: Scope): void {
    for (const param of node.params) this.shapeOf(param, scope);
    for (const pair of node.hash?.pairs ?? []) this.shapeOf(pair.value, scope);
  }

  private shapeOf(node: hbs.AST.Expression, scope: Scope): Shape {
    if (isNode(node, 'PathExpression')) return this.variable(node, scope) ?? ANY;
    if (isNode(node, 'SubExpression')) {
      const sub = node;
      const name = helperName(sub.path);
      if (name !== undefined && isKnownHelper(name) && !BLOCK_HELPERS.has(name)) this.call(name, sub, scope);
      else {
        this.unknownHelper(sub.path, scope);
        this.args(sub, scope);
      }
      return ANY;
    }
    return SCALAR;
  }

  private resolves(path: Path, scope: Scope): boolean {
    return lookup(path, scope).shape !== undefined;
  }

  /** The shape a path names, reporting it when the data never has it. */
  private variable(path: Path, scope: Scope): Shape | undefined {
    const { shape, problem } = lookup(path, scope);
    if (problem !== undefined) this.report(scope, path, problem);
    return shape;
  }

  private unknownHelper(path: hbs.AST.PathExpression | hbs.AST.Literal, scope: Scope): void {
    const name = describe(path);
    const hint = suggestHelper(name, Object.keys(HELPER_ARITY));
    this.report(
      scope,
      path,
      `unknown helper "${name}"${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`,
    );
  }

  private report(scope: Scope, node: Node, message: string): void {
    const related = scope.file === this.origin ? undefined : this.origin;
    this.ctx.report(scope.file, node.loc?.start.line ?? 0, message, related);
  }
}

/** `foo` in `{{foo …}}` when it can name a helper: a plain identifier, not a path. */
function helperName(path: hbs.AST.PathExpression | hbs.AST.Literal): string | undefined {
  if (!isNode(path, 'PathExpression')) return undefined;
  const p = path;
  if (p.data || p.depth > 0 || p.parts.length !== 1 || /^(this\b|\.)/.test(p.original)) return undefined;
  return p.parts[0];
}

function inlineName(node: Node): string | undefined {
  if (!isDecoratorBlock(node)) return undefined;
  const first = node.params[0];
  if (node.path.original !== 'inline' || !isNode(first, 'StringLiteral')) return undefined;
  return first.value;
}

function describe(node: hbs.AST.Expression): string {
  const original = 'original' in node ? node.original : undefined;
  return typeof original === 'string' ? original : node.type;
}
