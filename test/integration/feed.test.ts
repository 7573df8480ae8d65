/**
 * The feed over real HTTP, on the real route table, against a fresh SQLite file and Postgres:
 * validators and 304s, tag feeds, HEAD, and the cache following content changes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { openTestRuntime } from '../support/runtime.js';
import Parser from 'rss-parser';
import { child, children, parseXml } from '../support/xml.js';
import { upsertContent } from '../../src/db/content.js';
import type { ContentItem } from '../../src/domain.js';
import { Histogram } from '../../src/http/health.js';
import { buildRoutes } from '../../src/http/routes.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log.js';
import type { DbRuntime } from '../../src/runtime.js';

const START = Date.parse('2027-05-10T12:00:00Z');

function item(id: string, publishedAt: string, over: Partial<ContentItem> = {}): ContentItem {
  return {
    id,
    title: `Title ${id}`,
    url: `https://corner.example/${id}`,
    summary: `About ${id}`,
    tags: [],
    published_at: Date.parse(publishedAt),
    ...over,
  };
}

const CONTENT: ContentItem[] = [
  item('beans', '2027-05-01T08:00:00Z', { tags: ['beans'] }),
  item('recipe', '2027-05-03T14:00:00Z', { tags: ['recipes', 'summer'] }),
  item('hostile', '2027-05-02T10:00:00Z', { title: 'Break ]]> <script>x</script>', summary: ']]><b>' }),
  item('scheduled', '2027-05-10T12:30:00Z', { tags: ['recipes'] }),
];

function itemIds(xml: string): string[] {
  return children(child(parseXml(xml), 'channel'), 'item').map((i) => child(i, 'guid').text);
}

describe.each(databases())('feed over HTTP on %s', (db) => {
  const url = db.fresh('test');
  let rt: DbRuntime | undefined;
  let http: HttpServer | undefined;
  let now = START;

  afterEach(async () => {
    await http?.close();
    await rt?.close();
    http = undefined;
    rt = undefined;
  });

  async function serve(): Promise<string> {
    now = START;
    const outbox = mkdtempSync(join(tmpdir(), 'rapport-outbox-'));
    rt = await openTestRuntime({
      databaseUrl: url(),
      smtpUrl: `file:${outbox}`,
      now: () => now,
      config: {
        http: { listen: '127.0.0.1:0', public_url: 'https://news.corner.example' },
        feed: { items: 10 },
      },
    });
    await upsertContent(rt.db.knex, CONTENT, START - 3_600_000);
    const health = {
      startedAt: START,
      lastTickAt: () => START,
      tickStaleAfterMs: () => 60_000,
      sendingPaused: () => null,
      deliveryError: () => null,
      sendLatency: new Histogram([1]),
    };
    http = await startHttpServer('127.0.0.1:0', buildRoutes({ rt, health, wake: () => {} }), silentLogger);
    return http.url;
  }

  it('serves published items with validators, and 304 on a match', async () => {
    const base = await serve();
    const res = await fetch(`${base}/feed.xml`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    // The newest change shown: here the import, an hour ago, which came after every publication.
    expect(res.headers.get('last-modified')).toBe('Mon, 10 May 2027 11:00:00 GMT');
    const etag = res.headers.get('etag') as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const body = await res.text();
    expect(itemIds(body)).toEqual(['recipe', 'hostile', 'beans']);
    const channel = child(parseXml(body), 'channel');
    expect(child(channel, 'atom:link').attributes.href).toBe('https://news.corner.example/feed.xml');
    expect(child(children(channel, 'item')[1]!, 'title').text).toBe('Break ]]> <script>x</script>');

    for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`]) {
      const again = await fetch(`${base}/feed.xml`, { headers: { 'If-None-Match': inm } });
      expect(again.status).toBe(304);
      expect(again.headers.get('etag')).toBe(etag);
      expect(await again.text()).toBe('');
    }
    const since = await fetch(`${base}/feed.xml`, {
      headers: { 'If-Modified-Since': 'Mon, 10 May 2027 11:00:00 GMT' },
    });
    expect(since.status).toBe(304);
    const before = await fetch(`${base}/feed.xml`, {
      headers: { 'If-Modified-Since': 'Mon, 10 May 2027 10:59:59 GMT' },
    });
    expect(before.status).toBe(200);
    await before.text();
    const stale = await fetch(`${base}/feed.xml`, { headers: { 'If-None-Match': '"old"' } });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe(body);
  });

  it('reads as RSS in a real feed reader library: items and fields as imported', async () => {
    const base = await serve();
    const feed = await new Parser().parseString(await (await fetch(`${base}/feed.xml`)).text());
    expect(feed.title).toBeTruthy();
    expect(feed.items.map((i) => i.guid)).toEqual(['recipe', 'hostile', 'beans']);
    for (const item of feed.items) {
      const source = CONTENT.find((c) => c.id === item.guid) as ContentItem;
      expect(item.title).toBe(source.title);
      expect(item.link).toBe(source.url);
      expect(Date.parse(item.pubDate as string)).toBe(source.published_at);
      expect(item.categories ?? []).toEqual(source.tags);
    }
  });

  it('serves a feed per tag; an unknown tag is empty, a malformed one 404', async () => {
    const base = await serve();
    const recipes = await fetch(`${base}/feed/recipes.xml`);
    expect(recipes.status).toBe(200);
    const xml = await recipes.text();
    expect(itemIds(xml)).toEqual(['recipe']);
    expect(child(child(parseXml(xml), 'channel'), 'atom:link').attributes.href).toBe(
      'https://news.corner.example/feed/recipes.xml',
    );
    expect(itemIds(await (await fetch(`${base}/feed/bean%73.xml`)).text())).toEqual(['beans']);
    // Tags are compared without case, as everywhere.
    expect(itemIds(await (await fetch(`${base}/feed/Recipes.xml`)).text())).toEqual(['recipe']);
    const unknown = await fetch(`${base}/feed/nothing-yet.xml`);
    expect(unknown.status).toBe(200);
    expect(unknown.headers.get('last-modified')).toBeNull();
    expect(itemIds(await unknown.text())).toEqual([]);
    expect((await fetch(`${base}/feed/a%20b.xml`)).status).toBe(404);
    expect((await fetch(`${base}/feed/${'x'.repeat(65)}.xml`)).status).toBe(404);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const base = await serve();
    const get = await fetch(`${base}/feed.xml`);
    const body = await get.arrayBuffer();
    const head = await fetch(`${base}/feed.xml`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(get.headers.get('etag'));
    expect(head.headers.get('content-length')).toBe(String(body.byteLength));
    expect(await head.text()).toBe('');
    const headTag = await fetch(`${base}/feed/recipes.xml`, {
      method: 'HEAD',
      headers: { 'If-None-Match': '*' },
    });
    expect(headTag.status).toBe(304);
  });

  it('follows content changes within a second, and publishes scheduled items on time', async () => {
    const base = await serve();
    const first = await fetch(`${base}/feed.xml`);
    const etag = first.headers.get('etag') as string;
    await first.text();

    now += 5_000;
    await upsertContent(rt!.db.knex, [{ ...(CONTENT[0] as ContentItem), title: 'Beans, edited' }], now);
    now += 1_001;
    const edited = await fetch(`${base}/feed.xml`, { headers: { 'If-None-Match': etag } });
    expect(edited.status).toBe(200);
    expect(edited.headers.get('etag')).not.toBe(etag);
    // An edit is a change a reader relying on If-Modified-Since must see too.
    expect(edited.headers.get('last-modified')).toBe(new Date(now - 1_001).toUTCString());
    const body = await edited.text();
    expect(body).toContain('Beans, edited');
    expect(itemIds(body)).not.toContain('scheduled');

    now = Date.parse('2027-05-10T12:30:00Z');
    const later = await fetch(`${base}/feed/recipes.xml`);
    expect(itemIds(await later.text())).toEqual(['scheduled', 'recipe']);
    expect(later.headers.get('last-modified')).toBe('Mon, 10 May 2027 12:30:00 GMT');
  });

  it('answers many concurrent readers from one rendering', async () => {
    const base = await serve();
    const responses = await Promise.all(Array.from({ length: 50 }, () => fetch(`${base}/feed.xml`)));
    const etags = new Set(responses.map((r) => r.headers.get('etag')));
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    expect(etags.size).toBe(1);
    expect(responses.every((r) => r.status === 200)).toBe(true);
  });
});
