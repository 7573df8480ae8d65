/** The feed cache: one rendering per change, freshness checks at most once a second, schedules. */
import { describe, expect, it } from 'vitest';
import type { FeedChannel, FeedItem } from '../../src/feed/build.js';
import { FeedCache, type FeedStore } from '../../src/feed/cache.js';
import { child, children, parseXml } from '../support/xml.js';

const T = (iso: string) => Date.parse(iso);

const CHANNEL: FeedChannel = {
  title: 'Corner Coffee',
  description: 'News',
  siteUrl: 'https://corner.example/',
  feedUrl: 'https://corner.example/feed.xml',
  language: 'en-US',
  ttl: 60,
};

function post(id: string, title: string, publishedAt: string, tags: string[]): FeedItem {
  return {
    id,
    title,
    url: `https://corner.example/${id}`,
    summary: null,
    tags,
    published_at: T(publishedAt),
  };
}

const ITEMS: FeedItem[] = [
  post('cold-brew', 'Cold brew is back', '2027-05-03T14:00:00Z', ['recipes', 'summer']),
  post('ethiopia', 'New beans: Ethiopia Guji', '2027-04-20T09:30:00Z', ['beans']),
];

/** An in-memory FeedStore that counts how often it is asked. */
function memoryStore(items: FeedItem[]) {
  const calls = { version: 0, items: 0 };
  let revision = 0;
  const store: FeedStore = {
    async version(now) {
      calls.version++;
      const future = items.filter((i) => i.published_at > now).map((i) => i.published_at);
      return {
        key: `${revision}:${items.length}`,
        nextPublication: future.length ? Math.min(...future) : null,
      };
    },
    async items({ now, limit, tag }) {
      calls.items++;
      return items
        .filter((i) => i.published_at <= now && (tag === null || i.tags.includes(tag)))
        .sort((a, b) => b.published_at - a.published_at)
        .slice(0, limit);
    },
  };
  return { store, calls, touch: () => revision++ };
}

function titles(body: Buffer): string[] {
  return children(child(parseXml(body.toString('utf8')), 'channel'), 'item').map(
    (i) => child(i, 'title').text,
  );
}

describe('feed cache', () => {
  const start = T('2027-05-10T12:00:00Z');

  function setUp(items: FeedItem[]) {
    let now = start;
    const mem = memoryStore(items);
    const cache = new FeedCache({ store: mem.store, channel: () => CHANNEL, limit: 10, now: () => now });
    return { cache, ...mem, tick: (ms: number) => (now += ms), at: (t: number) => (now = t) };
  }

  it('renders once for a stampede of readers', async () => {
    const { cache, calls } = setUp([...ITEMS]);
    const feeds = await Promise.all(Array.from({ length: 200 }, () => cache.get(null)));
    expect(new Set(feeds.map((f) => f.etag)).size).toBe(1);
    expect(calls).toEqual({ version: 1, items: 1 });
    await cache.get(null);
    expect(calls).toEqual({ version: 1, items: 1 });
  });

  it('checks the content version at most once a second and re-renders only when it changed', async () => {
    const items = [...ITEMS];
    const { cache, calls, tick, touch } = setUp(items);
    const first = await cache.get(null);
    items.push({ ...(ITEMS[0] as FeedItem), id: 'new', title: 'Fresh', published_at: start - 1000 });
    touch();
    tick(500);
    expect((await cache.get(null)).etag).toBe(first.etag);
    tick(600);
    const second = await cache.get(null);
    expect(second.etag).not.toBe(first.etag);
    expect(titles(second.body)).toContain('Fresh');
    tick(1500);
    expect((await cache.get(null)).etag).toBe(second.etag);
    expect(calls).toEqual({ version: 3, items: 2 });
  });

  it('excludes a future-dated item until its time, then shows it at once', async () => {
    const publishAt = start + 10 * 60_000;
    const { cache, at } = setUp([
      ...ITEMS,
      { ...(ITEMS[0] as FeedItem), id: 'later', title: 'Scheduled', published_at: publishAt },
    ]);
    expect(titles((await cache.get(null)).body)).not.toContain('Scheduled');
    at(publishAt - 1);
    expect(titles((await cache.get(null)).body)).not.toContain('Scheduled');
    at(publishAt);
    const feed = await cache.get(null);
    expect(titles(feed.body)[0]).toBe('Scheduled');
    expect(feed.lastModified).toBe(new Date(publishAt).toUTCString());
  });

  it('keeps one entry per tag, a bounded number of them', async () => {
    const mem = memoryStore([...ITEMS]);
    const cache = new FeedCache({
      store: mem.store,
      channel: () => CHANNEL,
      limit: 10,
      now: () => start,
      maxEntries: 2,
    });
    expect(titles((await cache.get('beans')).body)).toEqual(['New beans: Ethiopia Guji']);
    expect(titles((await cache.get('nothing-here')).body)).toEqual([]);
    await cache.get('recipes');
    await cache.get('recipes');
    expect(mem.calls.items).toBe(3);
    await cache.get('beans'); // dropped when the third feed came in
    expect(mem.calls.items).toBe(4);
  });

  it('does not keep a failed render', async () => {
    const mem = memoryStore([...ITEMS]);
    let fail = true;
    const store: FeedStore = {
      version: mem.store.version,
      items: (q) => (fail ? Promise.reject(new Error('database gone')) : mem.store.items(q)),
    };
    const cache = new FeedCache({ store, channel: () => CHANNEL, limit: 10, now: () => start });
    await expect(cache.get(null)).rejects.toThrow('database gone');
    fail = false;
    expect(titles((await cache.get(null)).body)).toHaveLength(2);
  });
});
