/**
 * As-you-type customer search. What the text looks like decides the lookups, each an index
 * range with a limit (see db/customers-search.ts): `tag:NAME` is a tag; otherwise id prefix,
 * address prefix, name and surname prefix, a bare word as a tag, and — only when those leave
 * room and the text is 3+ characters — part of an address anywhere in it. Results are merged
 * in that order (best kind of match first), without duplicates.
 */
import type { Database } from '../../db/connect.js';
import {
  customersByAddressPart,
  customersByPrefix,
  customersWithTag,
  type CustomerHit,
} from '../../db/customers-console.js';
import { parseJson } from '../../db/rows.js';

export interface SearchResult {
  id: string;
  email: string;
  name: string;
  tags: string[];
  /** What matched: id, email, name, tag. */
  matched: 'id' | 'email' | 'name' | 'tag';
}

const MAX_LIMIT = 100;
/** Shorter text would scan most addresses for a substring; prefixes still apply. */
const SUBSTRING_MIN = 3;

export async function searchCustomers(
  db: Database,
  q: string,
  options: { limit?: number } = {},
): Promise<SearchResult[]> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 20), 1), MAX_LIMIT);
  const text = q.trim();
  if (text === '') return [];
  const k = db.knex;
  const tagMatch = /^tag:\s*(.+)$/i.exec(text);
  if (tagMatch) return (await customersWithTag(k, (tagMatch[1] as string).trim(), limit)).map(hit('tag'));
  const lower = text.toLowerCase();
  const found = new Map<string, SearchResult>();
  const add = (hits: CustomerHit[], matched: SearchResult['matched']) => {
    for (const h of hits) if (!found.has(h.id) && found.size < limit) found.set(h.id, hit(matched)(h));
  };
  add(await customersByPrefix(k, 'id', text, limit), 'id');
  if (found.size < limit) add(await customersByPrefix(k, 'email_key', lower, limit), 'email');
  if (found.size < limit && !lower.includes('@')) {
    add(await customersByPrefix(k, 'name_key', lower, limit), 'name');
    add(await customersByPrefix(k, 'surname_key', lower, limit), 'name');
  }
  if (found.size < limit && /^[\p{L}\p{N}_-]+$/u.test(text))
    add(await customersWithTag(k, text, limit), 'tag');
  // An address has no spaces: a name with one is not part of an address.
  if (found.size < limit && lower.length >= SUBSTRING_MIN && !/\s/.test(lower)) {
    add(await customersByAddressPart(k, lower, limit), 'email');
  }
  return [...found.values()];
}

function hit(matched: SearchResult['matched']) {
  return (h: CustomerHit): SearchResult => ({
    id: h.id,
    email: h.email,
    name: [h.first_name, h.last_name].filter((p) => p).join(' '),
    tags: parseJson<string[]>(h.tags, []),
    matched,
  });
}
