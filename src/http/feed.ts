/**
 * `GET|HEAD /feed.xml` and `/feed/TAG.xml`: RSS from the in-memory feed cache, with validators.
 * A tag nobody has used yet gets a valid, empty feed rather than 404: a reader subscribed
 * before the first item of a tag is published should keep the subscription.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RenderedFeed } from '../feed/cache.js';
import { notModified } from './conditional.js';
import { sendJson } from './respond.js';

export interface FeedSource {
  get(tag: string | null): Promise<RenderedFeed>;
}

const TAG = /^[A-Za-z0-9_.-]{1,64}$/;

/** The tag from the path, percent-decoded; null when it is not a usable tag. */
export function feedTag(raw: string): string | null {
  let tag: string;
  try {
    tag = decodeURIComponent(raw);
  } catch {
    return null;
  }
  return TAG.test(tag) ? tag : null;
}

export async function handleFeed(
  feeds: FeedSource,
  req: IncomingMessage,
  res: ServerResponse,
  rawTag?: string,
): Promise<void> {
  const tag = rawTag === undefined ? null : feedTag(rawTag);
  if (tag === null && rawTag !== undefined) return sendJson(res, 404, { error: 'not found' });
  const feed = await feeds.get(tag);
  const validators: Record<string, string> = {
    'Cache-Control': 'public, max-age=300',
    ETag: feed.etag,
    ...(feed.lastModified ? { 'Last-Modified': feed.lastModified } : {}),
  };
  if (notModified(req.headers, feed.etag, feed.lastModifiedMs)) {
    res.writeHead(304, validators);
    res.end();
    return;
  }
  res.writeHead(200, {
    ...validators,
    'Content-Type': 'application/rss+xml; charset=utf-8',
    'Content-Length': feed.body.length,
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : feed.body);
}
