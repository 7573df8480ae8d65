/** Queries on the `content` table. */
import type { Knex } from 'knex';
import type { ContentItem } from '../domain.js';
import type { UpsertCounts } from './customers.js';
import { chunks, IN_CHUNK, parseJson } from './rows.js';

interface ContentRow {
  id: string;
  title: string;
  url: string;
  summary: string | null;
  tags: string;
  published_at: number;
  updated_at: number;
}

function rowToItem(row: ContentRow): ContentItem {
  return {
    id: row.id,
    title: row.title,
    url: row.url,
    summary: row.summary,
    tags: parseJson<string[]>(row.tags, []),
    published_at: Number(row.published_at),
  };
}

export async function upsertContent(knex: Knex, inputs: readonly ContentItem[], now: number): Promise<UpsertCounts> {
  const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
  await knex.transaction(async (trx) => {
    for (const batch of chunks(inputs, IN_CHUNK)) {
      const existing = new Map<string, ContentRow>();
      for (const row of (await trx('content').whereIn('id', batch.map((c) => c.id))) as ContentRow[]) {
        existing.set(row.id, row);
      }
      const inserts: ContentRow[] = [];
      for (const item of batch) {
        const row = {
          id: item.id,
          title: item.title,
          url: item.url,
          summary: item.summary,
          tags: JSON.stringify(item.tags),
          published_at: item.published_at,
        };
        const old = existing.get(item.id);
        if (!old) {
          inserts.push({ ...row, updated_at: now });
        } else if (
          old.title === row.title &&
          old.url === row.url &&
          old.summary === row.summary &&
          old.tags === row.tags &&
          Number(old.published_at) === row.published_at
        ) {
          counts.unchanged++;
        } else {
          await trx('content').where('id', item.id).update({ ...row, updated_at: now });
          counts.updated++;
        }
      }
      if (inserts.length > 0) {
        await trx('content').insert(inserts);
        counts.inserted += inserts.length;
      }
    }
  });
  return counts;
}

/** Published items (published_at <= now), newest first, optionally with a tag. */
export async function publishedContent(
  knex: Knex,
  options: { now: number; limit: number; since?: number; tag?: string },
): Promise<ContentItem[]> {
  const q = knex('content').where('published_at', '<=', options.now).orderBy([
    { column: 'published_at', order: 'desc' },
    { column: 'id', order: 'asc' },
  ]);
  if (options.since !== undefined) q.where('published_at', '>', options.since);
  // Tags are a JSON array of strings; filter in code after a bounded over-fetch.
  const rows = ((await q.limit(options.tag ? options.limit * 20 : options.limit)) as ContentRow[]).map(rowToItem);
  return (options.tag ? rows.filter((r) => r.tags.includes(options.tag as string)) : rows).slice(0, options.limit);
}

export async function countContent(knex: Knex): Promise<number> {
  const row = (await knex('content').count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}
