/** Queries on the `content` table. */
import type { Knex } from 'knex';
import type { ContentInput, ContentItem } from '../domain.js';
import { chunks, IN_CHUNK, upsertById, type UpsertCounts, type UpsertSpec } from './rows.js';
import { dialectOf } from './dialect.js';
import { jsonStrings, num, numOrNull, rowOf, rowsOf, str, strOrNull, type Row } from './read.js';

export interface ContentRow {
  id: string;
  title: string;
  url: string;
  summary: string | null;
  tags: string;
  published_at: number;
  updated_at: number;
}

function toContentRow(r: Row): ContentRow {
  return {
    id: str(r, 'id'),
    title: str(r, 'title'),
    url: str(r, 'url'),
    summary: strOrNull(r, 'summary'),
    tags: str(r, 'tags'),
    published_at: num(r, 'published_at'),
    updated_at: num(r, 'updated_at'),
  };
}

function rowToItem(r: Row): ContentItem {
  return {
    id: str(r, 'id'),
    title: str(r, 'title'),
    url: str(r, 'url'),
    summary: strOrNull(r, 'summary'),
    tags: jsonStrings(r, 'tags'),
    published_at: num(r, 'published_at'),
  };
}

const CONTENT: UpsertSpec = {
  table: 'content',
  compare: ['title', 'url', 'summary', 'tags', 'published_at'],
  inserted: (now) => ({ updated_at: now }),
  updated: (now) => ({ updated_at: now }),
};

/** Upsert by id; a summary or tags left out keep the stored ones (an import merges). */
export async function upsertContent(
  knex: Knex,
  inputs: readonly ContentInput[],
  now: number,
  dryRun = false,
): Promise<UpsertCounts> {
  const partial = inputs.filter((item) => item.summary === undefined || item.tags === undefined);
  const stored = new Map<string, ContentRow>();
  for (const batch of chunks(
    partial.map((item) => item.id),
    IN_CHUNK,
  )) {
    for (const row of rowsOf(await knex('content').whereIn('id', batch)).map(toContentRow))
      stored.set(row.id, row);
  }
  const rows = inputs.map((item) => {
    const old = stored.get(item.id);
    return {
      id: item.id,
      title: item.title,
      url: item.url,
      summary: item.summary !== undefined ? item.summary : (old?.summary ?? null),
      tags: item.tags !== undefined ? JSON.stringify(item.tags) : (old?.tags ?? '[]'),
      published_at: item.published_at,
    };
  });
  return upsertById(knex, CONTENT, rows, now, dryRun);
}

/** Published items (published_at <= now), newest first (feeds by tag: feedContent below). */
export async function publishedContent(
  knex: Knex,
  options: { now: number; limit: number; since?: number },
): Promise<ContentItem[]> {
  const q = knex('content')
    .where('published_at', '<=', options.now)
    .orderBy([
      { column: 'published_at', order: 'desc' },
      { column: 'id', order: 'asc' },
    ]);
  if (options.since !== undefined) q.where('published_at', '>', options.since);
  return rowsOf(await q.limit(options.limit)).map(rowToItem);
}

/**
 * A cheap fingerprint of the whole table, for caches of rendered content (the feed): it changes
 * whenever a row is added or changed, and `nextPublication` says when a scheduled item goes live.
 * The sum catches two different rows changed within the same millisecond, which max() alone
 * would not; the modulo keeps it far from any integer overflow.
 */
export async function contentVersion(
  knex: Knex,
  now: number,
): Promise<{ key: string; nextPublication: number | null }> {
  const next = knex('content').min('published_at').where('published_at', '>', now).as('next');
  const row = rowOf(
    await knex('content')
      .select(
        knex.raw('count(*) as n'),
        knex.raw('max(updated_at) as last'),
        knex.raw('sum(updated_at % 1000000) as spread'),
        next,
      )
      .first(),
  );
  const read = (column: string) => (row === undefined ? null : numOrNull(row, column));
  return {
    key: `${read('n') ?? 0}:${read('last') ?? 0}:${read('spread') ?? 0}`,
    nextPublication: read('next'),
  };
}

/**
 * The latest published items for a feed, newest first, each with when its row last changed;
 * with `tag`, only items carrying that tag, compared without case. The tag is matched in SQL
 * as a JSON string inside the lower-cased stored array (`instr`/`strpos`, not LIKE, whose `_`
 * and `%` would match more), then checked again on the parsed list.
 */
export async function feedContent(
  knex: Knex,
  options: { now: number; limit: number; tag: string | null },
): Promise<Array<ContentItem & { updated_at: number }>> {
  const q = knex('content')
    .where('published_at', '<=', options.now)
    .orderBy([
      { column: 'published_at', order: 'desc' },
      { column: 'id', order: 'asc' },
    ]);
  const tag = options.tag?.toLowerCase() ?? null;
  if (tag !== null) {
    // lower() folds only A-Z on SQLite, every letter on Postgres: fold the tag the same way.
    const dialect = dialectOf(knex);
    const folded = dialect.lower(options.tag ?? '');
    q.whereRaw(`${dialect.position('lower(tags)')} > 0`, [JSON.stringify(folded)]);
  }
  return rowsOf(await q.limit(options.limit))
    .map((row) => ({ ...rowToItem(row), updated_at: num(row, 'updated_at') }))
    .filter((item) => tag === null || item.tags.some((t) => t.toLowerCase() === tag));
}

/** Every item, published or scheduled, newest publication first (for `rapport content list`). */
export async function listContent(knex: Knex, limit: number): Promise<ContentItem[]> {
  const rows = rowsOf(
    await knex('content')
      .orderBy([
        { column: 'published_at', order: 'desc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(limit),
  );
  return rows.map(rowToItem);
}

/** Publication times in (after, until], ascending: enough to tell whether a digest finds anything. */
export async function publicationTimes(knex: Knex, after: number, until: number): Promise<number[]> {
  const rows = rowsOf(
    await knex('content')
      .where('published_at', '>', after)
      .where('published_at', '<=', until)
      .orderBy('published_at')
      .select('published_at'),
  );
  return rows.map((r) => num(r, 'published_at'));
}
