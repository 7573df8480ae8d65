/** The Upcoming page's markup: the forecast's age and refresh, each day's counts and sends. */
import { DateTime } from 'luxon';
import type { UpcomingDay, UpcomingSend, UpcomingView } from './data/upcoming.js';
import type { LineCursor } from '../db/upcoming-lines.js';
import { csrfField, html, type SafeHtml } from './layout.js';
import { dayTitle, localTime } from './when.js';

/** What the request asked to see: one day paged past a cursor (`from` sends already seen). */
export interface Paging {
  day: string | null;
  after: LineCursor | null;
  from: number;
}

export interface Viewer {
  canEdit: boolean;
  csrf: string | null;
  zone: string;
  everyMs: number;
}

/** "10 minutes", "1 hour": the refresh interval in words. */
function inWords(ms: number): string {
  const [n, unit] = ms % 3_600_000 === 0 ? [ms / 3_600_000, 'hour'] : [Math.round(ms / 60_000), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function refreshForm(v: Viewer): SafeHtml | string {
  if (!v.canEdit) return '';
  return html`<form method="post" action="/console/upcoming/refresh">
    ${csrfField(v.csrf)}
    <button type="submit" class="button-secondary">Refresh now</button>
  </form>`;
}

/** How old the forecast is, that it refreshes by itself, and the editors' "Refresh now". */
export function freshness(view: UpcomingView, v: Viewer): SafeHtml {
  const s = view.state;
  const every = inWords(v.everyMs);
  if (s.computedAt === null)
    return html`<p role="status">
        No forecast has been computed yet. The daemon computes one within seconds of starting and then every
        ${every}. ${v.canEdit ? 'Refresh now asks for it at once.' : 'An editor can ask for it at once.'}
      </p>
      ${refreshForm(v)}`;
  const at = DateTime.fromMillis(s.computedAt, { zone: v.zone }).toFormat('HH:mm');
  const asked =
    s.requestedAt !== null && s.requestedAt > s.computedAt
      ? html` A refresh was asked for${s.requestedBy ? html` by ${s.requestedBy}` : ''}; it shows here once
        built.`
      : '';
  return html`<p>
      Forecast as of
      <time datetime="${new Date(s.computedAt).toISOString()}" title="${new Date(s.computedAt).toISOString()}"
        >${at}</time
      >
      (${v.zone}), refreshed every ${every}.${asked}
    </p>
    ${refreshForm(v)}`;
}

function action(s: UpcomingSend, v: Viewer): SafeHtml {
  if (s.status === 'skipped' && s.skipped_by)
    return html`<span class="muted">Skipped by ${s.skipped_by}</span>`;
  if (s.status === 'sent' || s.status === 'bounced' || s.status === 'complained')
    return html`<span class="muted">Sent</span>`;
  if (s.status === 'sending') return html`<span class="muted">Being sent</span>`;
  if (s.status !== null) return html`<span class="muted">Not sent: ${s.why ?? s.status}</span>`;
  if (s.outcome !== 'send')
    return s.skipped_by
      ? html`<span class="muted">Skipped by ${s.skipped_by}</span>`
      : html`<span class="muted">Will not be sent: ${s.why ?? 'skipped'}</span>`;
  if (!v.canEdit) return html`<span class="muted">Will be sent</span>`;
  return html`<form
    method="post"
    action="/console/upcoming/skip"
    data-confirm="Skip ${s.automation} for ${s.email}? It will not be sent."
  >
    ${csrfField(v.csrf)}
    <input type="hidden" name="automation" value="${s.automation}" />
    <input type="hidden" name="customer" value="${s.customer_id}" />
    <input type="hidden" name="occurrence" value="${s.occurrence}" />
    <input type="hidden" name="utc" value="${s.utc}" />
    <button type="submit" class="button-secondary" aria-label="Skip ${s.automation} for ${s.email}">
      Skip
    </button>
  </form>`;
}

function sendRow(s: UpcomingSend, v: Viewer): SafeHtml {
  return html`<tr>
    <td>${s.customer_id}<br /><span class="muted">${s.email}</span></td>
    <td>${localTime(s.local)}</td>
    <td><time datetime="${s.utc}">${s.utc.slice(0, 16).replace('T', ' ')}</time></td>
    <td>${action(s, v)}</td>
  </tr>`;
}

/** The sends shown, one table per automation (they come in automation order). */
function groups(d: UpcomingDay, v: Viewer): SafeHtml[] {
  const out: SafeHtml[] = [];
  let i = 0;
  while (i < d.sends.length) {
    const automation = (d.sends[i] as UpcomingSend).automation;
    let j = i;
    while (j < d.sends.length && (d.sends[j] as UpcomingSend).automation === automation) j++;
    const count = d.automations.find((a) => a.automation === automation);
    out.push(
      html`<h3>${automation} <span class="badge">${count ? count.sends + count.held : j - i}</span></h3>
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Their local time</th>
                <th scope="col">UTC</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              ${d.sends.slice(i, j).map((s) => sendRow(s, v))}
            </tbody>
          </table>
        </div>`,
    );
    i = j;
  }
  return out;
}

function nextLink(d: UpcomingDay, shownTo: number): SafeHtml | string {
  if (!d.next) return '';
  const n = d.next;
  return html`<a
    href="/console/upcoming?day=${d.day}&amp;after_automation=${encodeURIComponent(n.automation)}&amp;after_due=${n.dueAt}&amp;after_id=${n.id}&amp;from=${shownTo}#section-${d.day}"
    >Show more for ${d.day}</a
  >`;
}

export function dayBlock(d: UpcomingDay, paging: Paging, v: Viewer): SafeHtml {
  const sending = d.automations.reduce((n, a) => n + a.sends, 0);
  const held = d.total - sending;
  const from = paging.day === d.day ? paging.from : 0;
  const shownTo = from + d.sends.length;
  const range = from > 0 ? `${from + 1} to ${shownTo}` : String(shownTo);
  return html`<section aria-labelledby="day-${d.day}" id="section-${d.day}">
    <h2 id="day-${d.day}">
      ${dayTitle(d.day)} <span class="badge">${sending} to send</span>
      ${held > 0 ? html`<span class="badge">${held} not sent</span>` : ''}
    </h2>
    ${groups(d, v)}
    ${
      shownTo < d.total || from > 0
        ? html`<p>
            Showing ${range} of ${d.total}. ${nextLink(d, shownTo)}
            ${from > 0 ? html`<a href="/console/upcoming#section-${d.day}">Back to the first of ${d.day}</a>` : ''}
          </p>`
        : ''
    }
  </section>`;
}
