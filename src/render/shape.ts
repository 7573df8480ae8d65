/**
 * The checker's picture of TemplateData (data.ts): which paths a template may name.
 * A variable the data never has renders as nothing, silently — so `rapport check` must know the shape.
 */

export type Shape =
  | { kind: 'object'; fields: Readonly<Record<string, Shape>> }
  /** Any key is allowed (customer.attributes, event.data). */
  | { kind: 'map'; value: Shape }
  | { kind: 'array'; item: Shape }
  | { kind: 'scalar' }
  /** Unknown structure: anything below is accepted (helper results, event data). */
  | { kind: 'any' };

export const SCALAR: Shape = { kind: 'scalar' };
export const ANY: Shape = { kind: 'any' };

const object = (fields: Record<string, Shape>): Shape => ({ kind: 'object', fields });
const scalars = (...names: string[]): Record<string, Shape> =>
  Object.fromEntries(names.map((name) => [name, SCALAR]));

const ITEM: Shape = object({
  ...scalars('id', 'title', 'url', 'summary', 'published_at'),
  tags: { kind: 'array', item: SCALAR },
});

const ROOT_FIELDS: Record<string, Shape> = {
  customer: object({
    ...scalars(
      'id',
      'first_name',
      'last_name',
      'email',
      'birthday',
      'timezone',
      'locale',
      'customer_since',
      'years_as_customer',
    ),
    tags: { kind: 'array', item: SCALAR },
    attributes: { kind: 'map', value: SCALAR },
  }),
  business: object(scalars('name', 'postal_address', 'timezone', 'locale', 'url', 'review_url')),
  links: object(scalars('unsubscribe', 'preferences', 'feed')),
  automation: object(scalars('id', 'transactional')),
  event: object({ ...scalars('id', 'type', 'occurred_at'), data: ANY }),
  items: { kind: 'array', item: ITEM },
  occasion: object(scalars('key', 'name', 'date')),
  survey: object(scalars('csat', 'nps')),
};

/** The root of a template (subject, html, text) and of the partials it calls. */
export const DATA_SHAPE: Shape = object(ROOT_FIELDS);

/** The layout sees the same data plus the rendered `body` and the `subject`. */
export const LAYOUT_SHAPE: Shape = object({ ...ROOT_FIELDS, ...scalars('body', 'subject') });

/** The shape at `parts` below `shape`, or undefined when the data never has that path. */
export function resolveShape(shape: Shape, parts: readonly string[]): Shape | undefined {
  let current: Shape = shape;
  for (const part of parts) {
    const next = step(current, part);
    if (next === undefined) return undefined;
    current = next;
  }
  return current;
}

function step(shape: Shape, part: string): Shape | undefined {
  switch (shape.kind) {
    case 'any':
      return ANY;
    case 'map':
      return shape.value;
    case 'object':
      return Object.hasOwn(shape.fields, part) ? shape.fields[part] : undefined;
    case 'array':
      if (part === 'length') return SCALAR;
      return /^\d+$/.test(part) ? shape.item : undefined;
    case 'scalar':
      return undefined;
  }
}

/** What `{{#each x}}` iterates over: items of a list, values of a map. */
export function itemShape(shape: Shape): Shape | undefined {
  if (shape.kind === 'array') return shape.item;
  if (shape.kind === 'map') return shape.value;
  if (shape.kind === 'scalar') return undefined;
  return ANY;
}
