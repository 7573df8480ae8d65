/** The feed cache wired to the database and the configuration. */
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { contentVersion, feedContent } from '../db/content.js';
import type { FeedChannel } from './build.js';
import { FeedCache } from './cache.js';

/** Minutes a feed reader may wait before fetching again (`<ttl>`). */
const FEED_TTL_MINUTES = 60;

/** The address of the main feed (`tag` null) or of one tag's feed. */
export function feedUrl(publicUrl: string, tag: string | null): string {
  const base = publicUrl.replace(/\/+$/, '');
  return tag === null ? `${base}/feed.xml` : `${base}/feed/${encodeURIComponent(tag)}.xml`;
}

/** Channel fields from the configuration: the business's public face only. */
export function feedChannel(config: Config, tag: string | null): FeedChannel {
  const title = config.feed.title ?? config.business.name;
  return {
    title: tag === null ? title : `${title}: ${tag}`,
    description: config.feed.description ?? `News from ${config.business.name}`,
    siteUrl: config.business.url ?? config.http.public_url,
    feedUrl: feedUrl(config.http.public_url, tag),
    language: config.business.locale,
    ttl: FEED_TTL_MINUTES,
  };
}

export function createFeedCache(deps: { db: Database; config: Config; now: () => number }): FeedCache {
  return new FeedCache({
    store: {
      version: (now) => contentVersion(deps.db.knex, now),
      items: (query) => feedContent(deps.db.knex, query),
    },
    channel: (tag) => feedChannel(deps.config, tag),
    limit: deps.config.feed.items,
    now: deps.now,
  });
}
