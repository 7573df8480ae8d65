/** Times on console pages: shown in the business's zone, with the exact UTC instant on hover. */
import { DateTime } from 'luxon';
import { html, type SafeHtml } from './layout.js';

/** `<time datetime="…Z" title="…Z">2027-03-10 10:00 America/New_York</time>`; ms or an ISO string. */
export function timeTag(at: number | string | null, zone: string): SafeHtml | string {
  if (at === null) return '';
  const instant = typeof at === 'number' ? DateTime.fromMillis(at) : DateTime.fromISO(at);
  if (!instant.isValid) return String(at);
  const utc = instant.toUTC().toISO({ suppressMilliseconds: true }) ?? '';
  const local = instant.setZone(zone).toFormat('yyyy-MM-dd HH:mm');
  return html`<time datetime="${utc}" title="${utc}">${local} ${zone}</time>`;
}
