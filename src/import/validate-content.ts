/** One imported content row → a ContentInput (summary and tags only when carried), or the reasons it was refused. */
import type { ContentInput } from '../domain.js';
import { carried, isClear } from './carried.js';
import { instant } from './dates.js';
import { id, optional, tags } from './fields.js';
import { RowCheck } from './row.js';
import { type Check, fail, MULTILINE_ALLOWED, ok, show, text } from './text.js';
import type { Validation } from './types.js';

export const CONTENT_COLUMNS: ReadonlySet<string> = new Set([
  'id',
  'title',
  'url',
  'published_at',
  'summary',
  'tags',
]);
export const CONTENT_REQUIRED = ['id', 'title', 'url', 'published_at'] as const;

const URL_MAX = 2000;
/** A content id is its permanent guid, often its first URL, so it may be as long as a URL. */
const CONTENT_ID_MAX = URL_MAX;

/**
 * A link to put in mail and feeds: http or https only (no `javascript:`, `data:` or
 * `file:`), no user name or password in it, no spaces; stored in its normalised form.
 */
function link(value: string): Check<string> {
  if (/\s/.test(value)) return fail(`${show(value)} contains spaces; write them as %20`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`${show(value)} is not a web address (use a full https://… link)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail(`${show(value)} is not an http or https link`);
  }
  if (url.username !== '' || url.password !== '') {
    return fail(`${show(value)} contains a user name or password; remove it from the link`);
  }
  return ok(url.href);
}

/**
 * Content rows. Titles refuse every control character (they become subject lines and feed
 * titles); summaries keep tabs and line breaks (paragraphs) but refuse NUL and the other
 * control characters rather than silently dropping them. Columns other than the known six
 * are ignored. A `published_at` in the future is accepted: a post may be scheduled.
 */
export function validateContent(record: Record<string, unknown>, line: number): Validation<ContentInput> {
  const row = new RowCheck(line);
  const summaryRule = (v: unknown) => text(v, { max: 5000, allow: MULTILINE_ALLOWED });
  const value: ContentInput = {
    id: row.required('id', id(record.id, CONTENT_ID_MAX), ''),
    title: row.required('title', text(record.title, { max: 300 }), ''),
    url: row.required('url', optional(record.url, link, URL_MAX), ''),
    published_at: row.required('published_at', optional(record.published_at, instant), 0),
    summary: row.take('summary', carried(record.summary, summaryRule), undefined),
    tags: row.take('tags', carried(record.tags, tags), undefined) ?? (isClear(record.tags) ? [] : undefined),
  };
  return row.result(value);
}
