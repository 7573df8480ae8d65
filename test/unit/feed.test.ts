/**
 * The RSS feed: the document (snapshot with fixed dates, read back by a strict XML reader),
 * hostile content, and conditional GET. The cache: feed-cache.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildFeed, summaryHtml, type FeedChannel, type FeedItem } from '../../src/feed/build.js';
import { feedChannel } from '../../src/feed/service.js';
import { xmlText } from '../../src/feed/xml-text.js';
import { configSchema } from '../../src/config/schema.js';
import { notModified } from '../../src/http/conditional.js';
import { feedTag } from '../../src/http/feed.js';
import { child, children, illegalCharAt, parseXml, type XmlElement } from '../support/xml.js';

const T = (iso: string) => Date.parse(iso);

const CHANNEL: FeedChannel = {
  title: 'Corner Coffee',
  description: 'New beans, recipes and events at Corner Coffee.',
  siteUrl: 'https://corner.example/',
  feedUrl: 'https://rapport.corner.example/feed.xml',
  language: 'en-US',
  ttl: 60,
};

const ITEMS: FeedItem[] = [
  {
    id: 'cold-brew-2027',
    title: 'Cold brew is back',
    url: 'https://corner.example/blog/cold-brew?utm_source=feed&utm_medium=rss',
    summary: 'Twelve hours, coarse grind, no shortcuts.\n\nAsk for a taste at the counter.',
    tags: ['recipes', 'summer'],
    published_at: T('2027-05-03T14:00:00Z'),
    updated_at: T('2027-05-03T14:00:00Z'),
  },
  {
    id: 'https://corner.example/blog/ethiopia',
    title: 'New beans: Ethiopia Guji',
    url: 'https://corner.example/blog/ethiopia',
    summary: null,
    tags: ['beans'],
    published_at: T('2027-04-20T09:30:00Z'),
    updated_at: T('2027-04-21T08:00:00Z'),
  },
];

function rssChannel(xml: string): XmlElement {
  const root = parseXml(xml);
  expect(root.name).toBe('rss');
  expect(root.attributes.version).toBe('2.0');
  return child(root, 'channel');
}

describe('feed document', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('matches the stored snapshot', async () => {
    const { xml } = buildFeed(CHANNEL, ITEMS);
    await expect(`${xml}\n`).toMatchFileSnapshot('./__snapshots__/feed/feed.xml');
  });

  it('is RSS 2.0 with every channel and item field', () => {
    const { xml, lastModified } = buildFeed(CHANNEL, ITEMS);
    const channel = rssChannel(xml);
    expect(child(channel, 'title').text).toBe('Corner Coffee');
    expect(child(channel, 'link').text).toBe('https://corner.example/');
    expect(child(channel, 'description').text).toBe(CHANNEL.description);
    expect(child(channel, 'language').text).toBe('en-US');
    expect(child(channel, 'ttl').text).toBe('60');
    const self = child(channel, 'atom:link');
    expect(self.attributes).toMatchObject({
      rel: 'self',
      href: CHANNEL.feedUrl,
      type: 'application/rss+xml',
    });
    // pubDate: the newest publication; lastBuildDate: the newest change (an edit counts).
    expect(child(channel, 'pubDate').text).toBe('Mon, 03 May 2027 14:00:00 GMT');
    expect(child(channel, 'lastBuildDate').text).toBe('Mon, 03 May 2027 14:00:00 GMT');
    expect(lastModified).toBe(T('2027-05-03T14:00:00Z'));

    const [first, second] = children(channel, 'item') as [XmlElement, XmlElement];
    expect(child(first, 'title').text).toBe('Cold brew is back');
    expect(child(first, 'link').text).toBe(ITEMS[0]?.url);
    expect(child(first, 'description').text).toBe(
      '<p>Twelve hours, coarse grind, no shortcuts.</p><p>Ask for a taste at the counter.</p>',
    );
    expect(child(first, 'guid').text).toBe('cold-brew-2027');
    expect(child(first, 'guid').attributes.isPermaLink).toBe('false');
    expect(new Date(child(first, 'pubDate').text).toISOString()).toBe('2027-05-03T14:00:00.000Z');
    expect(children(first, 'category').map((c) => c.text)).toEqual(['recipes', 'summer']);
    expect(second.children.map((c) => c.name)).not.toContain('description');
    expect(child(second, 'guid').text).toBe('https://corner.example/blog/ethiopia');
  });

  it('gives the same bytes whenever it is built (no current time inside)', () => {
    vi.useFakeTimers();
    vi.setSystemTime(T('2030-01-01T00:00:00Z'));
    const a = buildFeed(CHANNEL, ITEMS).xml;
    vi.setSystemTime(T('2031-06-01T12:34:56Z'));
    expect(buildFeed(CHANNEL, ITEMS).xml).toBe(a);
    expect(a).not.toContain('2030');
  });

  it('is a valid, empty feed without items and without dates', () => {
    const built = buildFeed(CHANNEL, []);
    const channel = rssChannel(built.xml);
    expect(children(channel, 'item')).toHaveLength(0);
    expect(channel.children.map((c) => c.name)).not.toContain('lastBuildDate');
    expect(channel.children.map((c) => c.name)).not.toContain('pubDate');
    expect(built.lastModified).toBeNull();
  });
});

describe('the strict XML reader used here', () => {
  it('refuses what a feed reader would refuse', () => {
    expect(() => parseXml('<a><![CDATA[x]]>]]></a>')).toThrow('"]]>" in text');
    expect(() => parseXml('<a><b></a></b>')).toThrow('closes');
    expect(() => parseXml('<a>x\u0000y</a>')).toThrow('not allowed');
    expect(() => parseXml('<a>&nbsp;</a>')).toThrow('unknown entity');
    expect(() => parseXml('<a>AT&T</a>')).toThrow('bare');
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow('duplicate');
    expect(() => parseXml('<a/><b/>')).toThrow('after the root');
    expect(parseXml('<a k="&lt;&#x41;">t<![CDATA[<]]>&amp;<b/></a>')).toEqual({
      name: 'a',
      attributes: { k: '<A' },
      children: [{ name: 'b', attributes: {}, children: [], text: '' }],
      text: 't<&',
    });
  });
});

describe('hostile content', () => {
  const hostile: FeedItem = {
    id: 'evil]]>\u0000id',
    title: 'Break ]]> out <script>alert(1)</script>\u0000 & more\u0007',
    url: 'https://corner.example/x?a=1&b=<2>',
    summary: 'Summary ]]><script>alert("x")</script>\u0000\ufffe\ud800 end\tok',
    tags: ['ok', ']]>', '\u0000'],
    published_at: T('2027-05-01T00:00:00Z'),
  };

  it('stays well-formed and keeps the text as text', () => {
    const { xml } = buildFeed({ ...CHANNEL, title: 'Title ]]> \u0001' }, [hostile]);
    expect(illegalCharAt(xml)).toBe(-1);
    const channel = rssChannel(xml);
    expect(child(channel, 'title').text).toBe('Title ]]> ');
    const item = child(channel, 'item');
    expect(child(item, 'title').text).toBe('Break ]]> out <script>alert(1)</script> & more');
    expect(child(item, 'guid').text).toBe('evil]]>id');
    expect(child(item, 'link').text).toBe('https://corner.example/x?a=1&b=<2>');
    expect(children(item, 'category').map((c) => c.text)).toEqual(['ok', ']]>']);
    // The description is HTML: the summary's markup is escaped, so a reader shows it, never runs it.
    const description = child(item, 'description').text;
    expect(description).toBe(
      '<p>Summary ]]&#62;&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; end\tok</p>',
    );
    expect(description).not.toContain('<script');
  });

  it('splits "]]>" across CDATA sections rather than ending one early', () => {
    const { xml } = buildFeed(CHANNEL, [{ ...hostile, title: 'a]]>b' }]);
    expect(xml).toContain('<![CDATA[a]]]]><![CDATA[>b]]>');
  });

  it('removes only what XML cannot carry', () => {
    expect(xmlText('a\u0000b\u0008c\u000bd\u001fe\ufffef\uffffg')).toBe('abcdefg');
    expect(xmlText('tab\tline\nret\r')).toBe('tab\tline\nret\r');
    expect(xmlText('lone \ud800 low \udc00 pair \ud83d\ude00')).toBe('lone  low  pair \ud83d\ude00');
    expect(xmlText('C1 \u0085 and é ✓')).toBe('C1 \u0085 and é ✓');
  });

  it('turns a plain-text summary into paragraphs', () => {
    expect(summaryHtml('one\r\ntwo\n\n\nthree & <four>')).toBe(
      '<p>one<br>two</p><p>three &#38; &#60;four&#62;</p>',
    );
    expect(summaryHtml('  \n\n ')).toBe('');
  });
});

describe('feed channel from the configuration', () => {
  const config = configSchema.parse({
    business: {
      name: 'Corner Coffee',
      from: 'Corner Coffee <hello@corner.example>',
      url: 'https://corner.example/',
    },
    http: { public_url: 'https://rapport.corner.example/' },
  });

  it('names the business, its site and the feed itself, and nothing private', () => {
    const channel = feedChannel(config, null);
    expect(channel).toEqual({
      title: 'Corner Coffee',
      description: 'News from Corner Coffee',
      siteUrl: 'https://corner.example/',
      feedUrl: 'https://rapport.corner.example/feed.xml',
      language: 'en-US',
      ttl: 60,
    });
    expect(JSON.stringify(channel)).not.toContain('hello@');
  });

  it('titles a tag feed with its tag and points at its own address', () => {
    const channel = feedChannel({ ...config, feed: { ...config.feed, title: 'Brewing notes' } }, 'recipes');
    expect(channel.title).toBe('Brewing notes: recipes');
    expect(channel.feedUrl).toBe('https://rapport.corner.example/feed/recipes.xml');
  });
});

describe('conditional GET', () => {
  const etag = '"abc123"';
  const lastModified = T('2027-05-03T14:00:00Z');

  it('matches If-None-Match: exact, in a list, weak, or *', () => {
    expect(notModified({ 'if-none-match': '"abc123"' }, etag, lastModified)).toBe(true);
    expect(notModified({ 'if-none-match': '"x", "abc123" , "y"' }, etag, lastModified)).toBe(true);
    expect(notModified({ 'if-none-match': 'W/"abc123"' }, etag, lastModified)).toBe(true);
    expect(notModified({ 'if-none-match': '*' }, etag, lastModified)).toBe(true);
    expect(notModified({ 'if-none-match': '"abc"' }, etag, lastModified)).toBe(false);
    expect(notModified({ 'if-none-match': 'abc123' }, etag, lastModified)).toBe(false);
  });

  it('uses If-Modified-Since only without If-None-Match', () => {
    const at = new Date(lastModified).toUTCString();
    const later = new Date(lastModified + 60_000).toUTCString();
    const earlier = new Date(lastModified - 1000).toUTCString();
    expect(notModified({ 'if-modified-since': at }, etag, lastModified)).toBe(true);
    expect(notModified({ 'if-modified-since': later }, etag, lastModified)).toBe(true);
    expect(notModified({ 'if-modified-since': earlier }, etag, lastModified)).toBe(false);
    expect(notModified({ 'if-modified-since': 'yesterday-ish' }, etag, lastModified)).toBe(false);
    expect(notModified({ 'if-modified-since': at }, etag, null)).toBe(false);
    expect(notModified({ 'if-modified-since': at, 'if-none-match': '"other"' }, etag, lastModified)).toBe(
      false,
    );
  });

  it('reads tags from the path: decoded, 1-64 letters, digits, _ . -', () => {
    expect(feedTag('recipes')).toBe('recipes');
    expect(feedTag('cold%2Dbrew')).toBe('cold-brew');
    expect(feedTag('v1.2_x')).toBe('v1.2_x');
    expect(feedTag('a%20b')).toBeNull();
    expect(feedTag('%E0%A4%A')).toBeNull();
    expect(feedTag('x'.repeat(65))).toBeNull();
    expect(feedTag('')).toBeNull();
  });
});
