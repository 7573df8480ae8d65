/**
 * The audience of a broadcast, from what staff typed. Pure. Who is in it is decided in the
 * database (db/customers-audience.ts): tags without regard to case, attribute values exactly.
 */
import { AppError } from '../errors.js';
import type { Audience } from './types.js';

/** Attribute names are imported column names; a quote or backslash could not be looked up safely. */
const ATTRIBUTE_NAME = /^[^"\\]{1,100}$/;

/**
 * `--tags a,b` and `--where-attr k=v` (repeatable) as an audience. Every problem is refused
 * naming the option and the value.
 */
export function parseAudience(tags: string | undefined, whereAttr: readonly string[]): Audience {
  const audience: Audience = {};
  if (tags !== undefined) {
    const list = [
      ...new Set(
        tags
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t.length > 0),
      ),
    ];
    if (list.length === 0) throw new AppError('E_USAGE', `--tags: "${tags}" names no tag`);
    audience.tags = list;
  }
  for (const pair of whereAttr) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim() : '';
    if (!ATTRIBUTE_NAME.test(key)) {
      throw new AppError('E_USAGE', `--where-attr: "${pair}" is not NAME=VALUE`);
    }
    const attributes = (audience.attributes ??= {});
    if (key in attributes && attributes[key] !== pair.slice(eq + 1)) {
      throw new AppError('E_USAGE', `--where-attr: "${key}" is given two different values`);
    }
    attributes[key] = pair.slice(eq + 1);
  }
  return audience;
}

/** Checks an audience from a form or an API body the same way (a semi-trusted source). */
export function checkAudience(audience: Audience): Audience {
  const tags = (audience.tags ?? []).map((t) => t.trim()).filter((t) => t.length > 0);
  const attributes = audience.attributes ?? {};
  for (const key of Object.keys(attributes)) {
    if (!ATTRIBUTE_NAME.test(key))
      throw new AppError('E_USAGE', `audience: "${key}" is not an attribute name`);
  }
  return {
    ...(tags.length > 0 ? { tags: [...new Set(tags)] } : {}),
    ...(Object.keys(attributes).length > 0 ? { attributes: { ...attributes } } : {}),
  };
}

/** The audience in words, for lists: "tags vip or gold, city=Paris" or "everyone subscribed". */
export function describeAudience(audience: Audience): string {
  const parts: string[] = [];
  if (audience.tags?.length) parts.push(`tags ${audience.tags.join(' or ')}`);
  for (const [k, v] of Object.entries(audience.attributes ?? {})) parts.push(`${k}=${v}`);
  return parts.length > 0 ? parts.join(', ') : 'everyone subscribed';
}
