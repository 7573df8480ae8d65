/**
 * Type guards for the Handlebars syntax tree: its declarations give every node `type: string`,
 * so a `switch` on it narrows nothing; these check the tag and say which node it is.
 */
type Node = hbs.AST.Node;

type Tagged =
  | hbs.AST.MustacheStatement
  | hbs.AST.BlockStatement
  | hbs.AST.PartialStatement
  | hbs.AST.PartialBlockStatement
  | hbs.AST.SubExpression
  | hbs.AST.PathExpression
  | hbs.AST.StringLiteral;

/** The node of a tag: `NodeOf<'PathExpression'>` is a PathExpression. */
type NodeOf<T extends Tagged['type']> = Extract<Tagged, { type: T }>;

/** True when `node` is tagged `type` (any of `types`). */
export function isNode<T extends Tagged['type']>(node: Node | undefined, ...types: T[]): node is NodeOf<T> {
  return node !== undefined && types.some((type) => node.type === type);
}

/** `{{#*inline "name"}}`: tagged 'DecoratorBlock' at run time, declared as a block statement. */
export function isDecoratorBlock(node: Node): node is hbs.AST.DecoratorBlock {
  return node.type === 'DecoratorBlock';
}
