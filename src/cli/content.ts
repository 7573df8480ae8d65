/** `rapport content add` and `rapport content list`: the items of the feed and the digests. */
import { EXIT } from '../errors.js';
import { listContent, upsertContent } from '../db/content.js';
import type { ContentItem } from '../domain.js';
import { validateContent } from '../import/validate-content.js';
import { withReadRuntime, withRuntime, type GlobalOptions } from './context.js';
import { jsonLines, table, type Io } from './io.js';

/** cli.ts's wrapper that turns a command function into a commander action. */
export type Runner = <A extends unknown[]>(
  fn: (...args: A) => Promise<number>,
) => (...args: A) => Promise<void>;

export interface ContentAddOptions extends GlobalOptions {
  id: string;
  title: string;
  url: string;
  publishedAt?: string;
  summary?: string;
  tags?: string;
}

export async function contentAddCommand(io: Io, options: ContentAddOptions): Promise<number> {
  return withRuntime(io, options, async (rt) => {
    const now = rt.now();
    const record = {
      id: options.id,
      title: options.title,
      url: options.url,
      published_at: options.publishedAt ?? new Date(now).toISOString(),
      summary: options.summary,
      tags: options.tags,
    };
    const checked = validateContent(record, 1);
    if ('errors' in checked) {
      for (const e of checked.errors) io.err(`${e.field}: ${e.reason}`);
      return EXIT.failure;
    }
    const item = checked.value;
    const counts = await upsertContent(rt.db.knex, [item], now);
    const what = counts.inserted > 0 ? 'added' : counts.updated > 0 ? 'updated' : 'unchanged';
    const when =
      item.published_at > now
        ? `scheduled for ${iso(item.published_at)}`
        : `published ${iso(item.published_at)}`;
    io.out(`content ${item.id}: ${what}, ${when}`);
    return EXIT.ok;
  });
}

export async function contentListCommand(
  io: Io,
  options: GlobalOptions & { limit: string; json?: boolean },
): Promise<number> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    io.err(`--limit: "${options.limit}" is not a positive whole number`);
    return EXIT.usage;
  }
  return withReadRuntime(io, options, async (rt) => {
    const now = rt.now();
    const items = await listContent(rt.db.knex, limit);
    if (options.json) {
      if (items.length > 0) io.out(jsonLines(items.map((i) => itemJson(i, now))));
      return EXIT.ok;
    }
    if (items.length === 0) {
      io.out('no content yet: add some with `rapport content add` or `rapport import content FILE`');
      return EXIT.ok;
    }
    const rows = items.map((i) => [
      iso(i.published_at),
      i.published_at > now ? 'scheduled' : 'published',
      i.id,
      i.title,
      i.tags.join(';'),
    ]);
    io.out(table(['published_at', 'state', 'id', 'title', 'tags'], rows));
    return EXIT.ok;
  });
}

function itemJson(item: ContentItem, now: number): Record<string, unknown> {
  return {
    id: item.id,
    title: item.title,
    url: item.url,
    summary: item.summary,
    tags: item.tags,
    published_at: iso(item.published_at),
    scheduled: item.published_at > now,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
