/**
 * Rendered feeds kept in memory, so that a crowd of feed readers costs a map lookup each.
 *
 * Freshness: at most once per `recheckMs` (and at once when a scheduled item's time comes) one
 * cheap query fingerprints the content table; when the fingerprint or the next publication
 * time differs, every rendered feed is dropped. Concurrent requests share one check and one
 * render per feed, so a stampede after a change still renders each feed once.
 */
import { createHash } from 'node:crypto';
import { buildFeed, type FeedChannel, type FeedItem } from './build.js';

export interface ContentVersion {
  /** Changes whenever a content row is added or changed. */
  key: string;
  /** The first publication time after the instant asked about, epoch ms; null when none is scheduled. */
  nextPublication: number | null;
}

/** What the cache reads; implemented on the database in service.ts. */
export interface FeedStore {
  version(now: number): Promise<ContentVersion>;
  items(query: { now: number; limit: number; tag: string | null }): Promise<FeedItem[]>;
}

export interface RenderedFeed {
  body: Buffer;
  /** Strong validator: a hash of the body, quoted. */
  etag: string;
  /** HTTP date of the newest change shown; null for a feed without items. */
  lastModified: string | null;
  /** The same instant in epoch ms (whole seconds, as HTTP dates carry them). */
  lastModifiedMs: number | null;
}

export interface FeedCacheOptions {
  store: FeedStore;
  channel(tag: string | null): FeedChannel;
  /** Items per feed. */
  limit: number;
  now(): number;
  /** How long a checked version is trusted, ms. */
  recheckMs?: number;
  /** Most feeds kept (the main one and tag feeds); the oldest is dropped first. */
  maxEntries?: number;
}

const MAIN = '';

export class FeedCache {
  private readonly entries = new Map<string, Promise<RenderedFeed>>();
  private version: ContentVersion | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private checking: Promise<void> | null = null;
  private readonly recheckMs: number;
  private readonly maxEntries: number;

  constructor(private readonly o: FeedCacheOptions) {
    this.recheckMs = o.recheckMs ?? 1000;
    this.maxEntries = o.maxEntries ?? 256;
  }

  /** The feed of every item (`tag` null) or of one tag. */
  async get(tag: string | null): Promise<RenderedFeed> {
    await this.ensureFresh();
    // Tags are at least one character long, so the empty key cannot collide with one.
    const key = tag ?? MAIN;
    const cached = this.entries.get(key);
    if (cached) return cached;
    const rendering = this.render(tag);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, rendering);
    // A failed render is not kept: the next request tries again.
    rendering.catch(() => {
      if (this.entries.get(key) === rendering) this.entries.delete(key);
    });
    return rendering;
  }

  private async ensureFresh(): Promise<void> {
    const now = this.o.now();
    const next = this.version?.nextPublication ?? null;
    if (now - this.checkedAt < this.recheckMs && (next === null || now < next)) return;
    this.checking ??= this.check(now).finally(() => {
      this.checking = null;
    });
    await this.checking;
  }

  private async check(now: number): Promise<void> {
    const version = await this.o.store.version(now);
    const old = this.version;
    if (old === null || old.key !== version.key || old.nextPublication !== version.nextPublication) {
      this.entries.clear();
    }
    this.version = version;
    this.checkedAt = now;
  }

  private async render(tag: string | null): Promise<RenderedFeed> {
    const items = await this.o.store.items({ now: this.o.now(), limit: this.o.limit, tag });
    const built = buildFeed(this.o.channel(tag), items);
    const body = Buffer.from(built.xml, 'utf8');
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
    const lastModifiedMs = built.lastModified === null ? null : Math.floor(built.lastModified / 1000) * 1000;
    return {
      body,
      etag,
      lastModified: lastModifiedMs === null ? null : new Date(lastModifiedMs).toUTCString(),
      lastModifiedMs,
    };
  }
}
