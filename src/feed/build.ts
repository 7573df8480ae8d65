/**
 * One RSS 2.0 document from content items, built with `rss`. Pure: the same items give the same
 * bytes, so the ETag is stable and the output can be compared to a stored snapshot. Only content
 * items and the business's public name, site and language go in — never anything about a customer.
 */
import RSS from 'rss';
import type { ContentItem } from '../domain.js';
import { xmlText } from './xml-text.js';
import { escapeHtml } from '../html.js';

export interface FeedChannel {
  title: string;
  description: string;
  /** The site the feed belongs to (`<link>`). */
  siteUrl: string;
  /** This feed's own address (`<atom:link rel="self">`). */
  feedUrl: string;
  /** e.g. `en-US`. */
  language: string;
  /** Minutes a reader may cache the feed before fetching it again. */
  ttl: number;
}

/** A content item, and when its row last changed (an edit should move Last-Modified too). */
export interface FeedItem extends ContentItem {
  updated_at?: number;
}

export interface BuiltFeed {
  xml: string;
  /** When the feed's content last changed, epoch ms; null for a feed without items. */
  lastModified: number | null;
}

const GENERATOR = 'Rapport';

/** The feed document; `items` are the ones to show, newest first. */
export function buildFeed(channel: FeedChannel, items: readonly FeedItem[]): BuiltFeed {
  const newest = items.length > 0 ? Math.max(...items.map((i) => i.published_at)) : null;
  const lastModified =
    items.length > 0 ? Math.max(...items.map((i) => Math.max(i.published_at, i.updated_at ?? 0))) : null;
  const feed = new RSS({
    title: xmlText(channel.title),
    description: xmlText(channel.description),
    site_url: xmlText(channel.siteUrl),
    feed_url: xmlText(channel.feedUrl),
    language: xmlText(channel.language),
    ttl: channel.ttl,
    generator: GENERATOR,
    ...(newest !== null ? { pubDate: new Date(newest) } : {}),
  });
  for (const item of items) {
    feed.item({
      title: xmlText(item.title),
      description: item.summary ? summaryHtml(xmlText(item.summary)) : '',
      url: xmlText(item.url),
      guid: xmlText(item.id),
      categories: item.tags.map(xmlText).filter((t) => t !== ''),
      date: new Date(item.published_at),
    });
  }
  return { xml: withLastBuildDate(feed.xml({ indent: '  ' }), lastModified), lastModified };
}

/**
 * A summary is plain text; `<description>` is HTML. Escape it (so `<script>` is shown, never
 * run) and keep its paragraphs and line breaks. `rss` wraps it in CDATA and splits any `]]>`.
 */
export function summaryHtml(summary: string): string {
  return summary
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n+/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

// CDATA sections are matched too so that a title that happens to contain the element's text
// is left alone: only the one real element, outside any CDATA, is replaced.
const LAST_BUILD_DATE = /<!\[CDATA\[[\s\S]*?\]\]>|<lastBuildDate>[^<]*<\/lastBuildDate>\n?[ \t]*/g;

/**
 * `rss` always writes the current time as `<lastBuildDate>`, which would change the bytes (and
 * the ETag) on every render. Use when the content last changed instead; omit it for no items.
 */
function withLastBuildDate(xml: string, lastModified: number | null): string {
  return xml.replace(LAST_BUILD_DATE, (match) => {
    if (match.startsWith('<![CDATA[')) return match;
    if (lastModified === null) return '';
    return match.replace(/<lastBuildDate>[^<]*</, `<lastBuildDate>${new Date(lastModified).toUTCString()}<`);
  });
}
