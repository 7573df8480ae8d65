/**
 * Times on console pages: written in the business's zone, with the exact UTC instant in
 * `<time datetime>` and on hover, so staff in any zone read the same moment the same way.
 */
import { DateTime } from 'luxon';
import { html, type SafeHtml } from './layout.js';

/** "Wed 10 Mar 2027, 10:00 EST" in `zone`, inside a <time> carrying the UTC instant. */
export function when(ms: number, zone: string): SafeHtml {
  const utc = new Date(ms).toISOString();
  return html`<time datetime="${utc}" title="${utc}">${whenText(ms, zone)}</time>`;
}

/** The same words as `when`, as plain text (inside a sentence built elsewhere). */
export function whenText(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('ccc d LLL yyyy, HH:mm ZZZZ');
}

/** A customer's local time as the forecast gives it (ISO with their offset): "Thu 11 Mar, 09:00 (UTC-5)". */
export function localTime(iso: string): string {
  const t = DateTime.fromISO(iso, { setZone: true });
  return t.isValid ? t.toFormat("ccc d LLL, HH:mm '('ZZZZ')'") : iso;
}

/** A YYYY-MM-DD day as a heading: "Thursday 11 March 2027". */
export function dayTitle(day: string): string {
  const t = DateTime.fromISO(day, { zone: 'utc' });
  return t.isValid ? t.toFormat('cccc d LLLL yyyy') : day;
}
