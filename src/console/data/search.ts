/**
 * As-you-type customer search. What the text looks like decides the lookups, each an index
 * range with a limit (see db/customers-search.ts): `tag:NAME` is a tag; otherwise id prefix,
 * address prefix, name and surname prefix, a bare word as a tag, and — only when those leave
 * room and the text is 3+ characters — part of an address anywhere in it. Results are merged
 * in that order (best kind of match first), without duplicates. The tag and part-of-an-address
 * scans read a bounded number of customers (unless an index serves them): `findCustomers` says
 * when the results may be incomplete.
 */
import type { Database } from '../../db/connect.js';
import {
  customersByAddressPart,
  customersByPrefix,
  customersWithTag,
  type CustomerHit,
  type CustomerSearch,
  type ScanHits,
} from '../../db/customers-console.js';
import { parseStringList } from '../../db/rows.js';

export interface SearchResult {
  id: string;
  email: string;
  name: string;
  tags: string[];
  /** What matched: id, email, name, tag. */
  matched: 'id' | 'email' | 'name' | 'tag';
}

/** What a search found; `complete` is false when a substring scan stopped at its row budget. */
export interface SearchPage {
  results: SearchResult[];
  /**
   * False: part of the customers was not looked at (a substring or tag scan reached its row
   * budget before filling the page); say "showing the first matches; refine your search".
   */
  complete: boolean;
}

const MAX_LIMIT = 100;
/** Shorter text would scan most addresses for a substring; prefixes still apply. */
const SUBSTRING_MIN = 3;
/**
 * Rows a substring scan may read before it stops: addresses come from an index (cheap per
 * row), tags from the rows themselves. Sized to keep a search under 150 ms at a million
 * customers on SQLite (see the README's Performance section).
 */
export const ADDRESS_SCAN_BUDGET = 100_000;
export const TAG_SCAN_BUDGET = 20_000;

/** Rows each substring scan may read (defaults: the budgets above). */
export interface ScanBudgets {
  address?: number;
  tag?: number;
}

export interface SearchOptions {
  limit?: number;
  budgets?: ScanBudgets;
}

export async function searchCustomers(
  db: Database,
  q: string,
  options: SearchOptions = {},
): Promise<SearchResult[]> {
  return (await findCustomers(db, q, options)).results;
}

/** searchCustomers, and whether every customer was looked at. */
export async function findCustomers(
  db: Database,
  q: string,
  options: SearchOptions = {},
): Promise<SearchPage> {
  const tagBudget = options.budgets?.tag ?? TAG_SCAN_BUDGET;
  const addressBudget = options.budgets?.address ?? ADDRESS_SCAN_BUDGET;
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 20), 1), MAX_LIMIT);
  const text = q.trim();
  if (text === '') return { results: [], complete: true };
  const k = db.knex;
  const search = searchOf(text) as CustomerSearch;
  if (search.kind === 'tag') {
    const { hits, bounded } = await customersWithTag(k, search.tag, limit, tagBudget);
    return { results: hits.map(hit('tag')), complete: !bounded };
  }
  const lower = text.toLowerCase();
  const found = new Map<string, SearchResult>();
  let complete = true;
  const add = (hits: CustomerHit[], matched: SearchResult['matched']) => {
    for (const h of hits) if (!found.has(h.id) && found.size < limit) found.set(h.id, hit(matched)(h));
  };
  const addScan = (scan: ScanHits, matched: SearchResult['matched']) => {
    add(scan.hits, matched);
    if (scan.bounded && found.size < limit) complete = false;
  };
  add(await customersByPrefix(k, 'id', text, limit), 'id');
  if (found.size < limit) add(await customersByPrefix(k, 'email_key', lower, limit), 'email');
  if (found.size < limit && search.names) {
    add(await customersByPrefix(k, 'name_key', lower, limit), 'name');
    add(await customersByPrefix(k, 'surname_key', lower, limit), 'name');
  }
  if (found.size < limit && search.tag) addScan(await customersWithTag(k, text, limit, tagBudget), 'tag');
  if (found.size < limit && search.part)
    addScan(await customersByAddressPart(k, lower, limit, addressBudget), 'email');
  return { results: [...found.values()], complete };
}

/**
 * What the search text asks for, for findCustomers and for reading every match (an export):
 * null for no text.
 */
export function searchOf(q: string): CustomerSearch | null {
  const text = q.trim();
  if (text === '') return null;
  const tagMatch = /^tag:\s*(.+)$/i.exec(text);
  if (tagMatch) return { kind: 'tag', tag: (tagMatch[1] ?? '').trim() };
  const lower = text.toLowerCase();
  return {
    kind: 'text',
    text,
    names: !lower.includes('@'),
    tag: /^[\p{L}\p{N}_-]+$/u.test(text),
    // An address has no spaces: a name with one is not part of an address.
    part: lower.length >= SUBSTRING_MIN && !/\s/.test(lower),
  };
}

function hit(matched: SearchResult['matched']) {
  return (h: CustomerHit): SearchResult => ({
    id: h.id,
    email: h.email,
    name: [h.first_name, h.last_name].filter((p) => p).join(' '),
    tags: parseStringList(h.tags),
    matched,
  });
}
