/** The automations pages' markup: the list, one automation with its history and edit form, a change's preview. */
import type { Automation } from '../../config/schema.js';
import type { AutomationHistoryRow } from '../../db/automations.js';
import { describeAudience } from '../../broadcasts/audience.js';
import type { ChangeForecast } from '../../outreach/automation-forecast.js';
import type { Definition } from '../../outreach/automations.js';
import { csrfField, html, type SafeHtml } from '../layout.js';
import { timeTag } from '../local-time.js';
import { editFields, fieldText } from './form.js';

export interface Notice {
  kind: 'done' | 'error';
  text: string;
  details?: readonly string[];
}

export function noticeOf(notice: Notice | undefined): SafeHtml | string {
  if (!notice) return '';
  const details = notice.details?.length
    ? html`<ul>
        ${notice.details.map((d) => html`<li>${d}</li>`)}
      </ul>`
    : '';
  return notice.kind === 'error'
    ? html`<div class="notice notice-error" role="alert">
        <p>${notice.text}</p>
        ${details}
      </div>`
    : html`<p class="notice notice-success" role="status">${notice.text}</p>`;
}

const base = (id: string) => `/console/automations/${encodeURIComponent(id)}`;

function templateLink(name: string): SafeHtml {
  return html`<a href="/console/templates/${encodeURIComponent(name)}">${name}</a>`;
}

/** A form that previews switching an automation on or off (the change itself is confirmed there). */
function toggleForm(a: Automation, csrf: string | null): SafeHtml {
  const verb = a.enabled ? 'Disable' : 'Enable';
  return html`<form method="post" action="${base(a.id)}/preview">
    ${csrfField(csrf)}<input type="hidden" name="enabled" value="${a.enabled ? 'false' : 'true'}" />
    <button type="submit" class="button-secondary" aria-label="${verb} ${a.id}">${verb}</button>
  </form>`;
}

export interface ListRow {
  automation: Automation;
  pending: number;
}

export function listView(
  rows: readonly ListRow[],
  csrf: string | null,
  canEdit: boolean,
  describe: (a: Automation) => string,
): SafeHtml {
  return html`<h1>Automations</h1>
    ${canEdit ? '' : html`<p class="muted">You can look; changing automations needs the editor role.</p>`}
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Automation</th>
            <th scope="col">When</th>
            <th scope="col">Template</th>
            <th scope="col">Audience</th>
            <th scope="col">Status</th>
            <th scope="col">Pending</th>
            ${canEdit ? html`<th scope="col">Actions</th>` : ''}
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            ({ automation: a, pending }) =>
              html`<tr>
                <td>
                  <a href="${base(a.id)}">${a.label ?? a.id}</a><br /><span class="muted">${a.id}</span>
                </td>
                <td>${describe(a)}</td>
                <td>${templateLink(a.template)}</td>
                <td>${describeAudience(a.where ?? {})}</td>
                <td><span class="badge">${a.enabled ? 'enabled' : 'disabled'}</span></td>
                <td>${pending}</td>
                ${canEdit ? html`<td>${toggleForm(a, csrf)}</td>` : ''}
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

function diffLines(before: Definition | null, after: Definition | null): SafeHtml {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  const show = (v: unknown) => (v === undefined ? '—' : JSON.stringify(v));
  const changed = keys.filter((k) => show(before?.[k]) !== show(after?.[k]));
  return html`<ul>
    ${changed.map((k) => html`<li><code>${k}</code>: <del>${show(before?.[k])}</del> → <ins>${show(after?.[k])}</ins></li>`)}
  </ul>`;
}

/** The latest changes first; the oldest beyond HISTORY are left out (`rapport automations history ID` lists them all). */
const HISTORY = 50;

export function historyView(all: readonly AutomationHistoryRow[], zone: string): SafeHtml {
  const rows = all.slice(-HISTORY);
  return html`<h2>History</h2>
    ${all.length > HISTORY ? html`<p class="muted">The latest ${HISTORY} of ${all.length} changes.</p>` : ''}
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          ${[...rows].reverse().map(
            (h) =>
              html`<tr>
                <td>${timeTag(h.created_at, zone)}</td>
                <td>${h.author}</td>
                <td>${h.action}</td>
                <td>${diffLines(h.before, h.after)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

/** The edit form, filled with `values` (what was typed, after a refusal) or the current definition. */
export function editForm(
  id: string,
  written: Definition,
  values: Record<string, unknown> | null,
  csrf: string | null,
): SafeHtml {
  const value = (key: string) => {
    const typed = values?.[key];
    return typeof typed === 'string' ? typed : fieldText(written, key);
  };
  return html`<h2>Edit</h2>
    <form method="post" action="${base(id)}/preview">
      ${csrfField(csrf)}
      ${editFields(written).map(
        (f) =>
          html`<p class="field">
            <label for="f-${f.key}">${f.label} <code>${f.key}</code></label>
            <input id="f-${f.key}" name="${f.key}" value="${value(f.key)}" aria-describedby="h-${f.key}" />
            <span id="h-${f.key}" class="muted">${f.hint}</span>
          </p>`,
      )}
      <p><button type="submit">Preview change</button></p>
    </form>`;
}

function forecastView(f: ChangeForecast, zone: string): SafeHtml {
  return html`<p role="status" id="forecast">
      In the next ${f.days} days this change adds ${f.adds}, moves ${f.moves} and cancels ${f.cancels}
      ${f.adds + f.moves + f.cancels === 1 ? 'delivery' : 'deliveries'}; ${f.pending_affected} already planned
      ${f.pending_affected === 1 ? 'is' : 'are'} re-planned.
    </p>
    ${
      f.samples.length === 0
        ? ''
        : html`<div class="table-scroll">
            <table>
              <caption>
                Examples
              </caption>
              <thead>
                <tr>
                  <th scope="col">Change</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Was</th>
                  <th scope="col">Becomes</th>
                </tr>
              </thead>
              <tbody>
                ${f.samples.map(
                  (s) =>
                    html`<tr>
                      <td>${s.change}</td>
                      <td>
                        <a href="/console/customers/${encodeURIComponent(s.customer_id)}">${s.customer_id}</a>
                      </td>
                      <td>${timeTag(s.before, zone)}</td>
                      <td>${timeTag(s.after, zone)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }`;
}

/** The second step: what the change does, and a form carrying the exact definition to save. */
export function previewView(o: {
  id: string;
  description: string;
  forecast: ChangeForecast;
  written: Definition;
  base: string;
  zone: string;
  csrf: string | null;
}): SafeHtml {
  return html`<h1>Confirm the change to ${o.id}</h1>
    <p>It will read: <strong>${o.description}</strong>.</p>
    ${forecastView(o.forecast, o.zone)}
    <details>
      <summary>The definition to save</summary>
      <pre>${JSON.stringify(o.written, null, 2)}</pre>
    </details>
    <form method="post" action="${base(o.id)}/apply">
      ${csrfField(o.csrf)}
      <input type="hidden" name="definition" value="${JSON.stringify(o.written)}" />
      <input type="hidden" name="base" value="${o.base}" />
      <p><button type="submit">Confirm and save</button> <a href="${base(o.id)}">Cancel</a></p>
    </form>`;
}
