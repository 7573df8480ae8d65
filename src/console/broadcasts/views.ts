/** The broadcasts pages' markup: the list, the new-broadcast form with its preview, one broadcast. */
import { describeAudience } from '../../broadcasts/audience.js';
import type { BroadcastPreview } from '../../broadcasts/preview.js';
import type { BroadcastDetail, BroadcastListEntry } from '../../broadcasts/service.js';
import type { SendAt } from '../../broadcasts/types.js';
import { csrfField, html, type SafeHtml } from '../layout.js';
import { timeTag } from '../local-time.js';
import type { BroadcastFields } from './form.js';
import { sampleQuery } from './form.js';

function sendAtText(s: SendAt): string {
  if (s.kind === 'now') return 'at once';
  return `${s.date ?? 'next'} ${s.time} each customer's time`;
}

const STATUSES = ['sent', 'pending', 'skipped', 'failed'] as const;

export function listView(rows: readonly BroadcastListEntry[], zone: string, canEdit: boolean): SafeHtml {
  return html`<h1>Broadcasts</h1>
    ${
      canEdit
        ? html`<p><a class="button" href="/console/broadcasts/new">New broadcast</a></p>`
        : html`<p class="muted">You can look; creating and cancelling broadcasts needs the editor role.</p>`
    }
    ${
      rows.length === 0
        ? html`<p>No broadcasts yet.</p>`
        : html`<div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Broadcast</th>
                  <th scope="col">Status</th>
                  <th scope="col">Audience</th>
                  <th scope="col">When</th>
                  ${STATUSES.map((s) => html`<th scope="col">${s}</th>`)}
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  (b) =>
                    html`<tr>
                      <td><a href="/console/broadcasts/${b.id}">${b.name}</a></td>
                      <td><span class="badge">${b.status}</span></td>
                      <td>${describeAudience(b.audience)} (${b.audienceCount})</td>
                      <td>${sendAtText(b.sendAt)}</td>
                      ${STATUSES.map((s) => html`<td>${b.counts[s]}</td>`)}
                      <td>${timeTag(b.createdAt, zone)} by ${b.createdBy}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
    <p class="muted">The latest 200 are shown.</p>`;
}

function checked(on: boolean): SafeHtml | string {
  return on ? html` checked` : '';
}

export function newForm(
  f: BroadcastFields,
  templates: readonly string[],
  csrf: string | null,
  previewed: boolean,
): SafeHtml {
  return html`<form method="post" action="/console/broadcasts/new">
    ${csrfField(csrf)}
    <p class="field">
      <label for="b-name">Name (optional)</label>
      <input id="b-name" name="name" value="${f.name}" maxlength="200" />
    </p>
    <p class="field">
      <label for="b-template">Template</label>
      <select id="b-template" name="template">
        <option value="">Choose…</option>
        ${templates.map((t) => html`<option value="${t}" ${t === f.template ? html`selected` : ''}>${t}</option>`)}
      </select>
    </p>
    <fieldset>
      <legend>Audience</legend>
      <p class="field">
        <label for="b-tags">Tags (any of, comma-separated)</label>
        <input id="b-tags" name="tags" value="${f.tags}" />
      </p>
      <p class="field">
        <label for="b-attributes">Attributes (NAME=VALUE, one a line, all must match)</label>
        <textarea id="b-attributes" name="attributes" rows="2">${f.attributes}</textarea>
      </p>
      <p>
        <input type="checkbox" id="b-everyone" name="everyone" value="yes" ${checked(f.everyone)} />
        <label for="b-everyone">Everyone subscribed</label>
      </p>
    </fieldset>
    <fieldset>
      <legend>When</legend>
      <p>
        <input type="radio" id="b-now" name="when" value="now" ${checked(f.when === 'now')} />
        <label for="b-now">Send now</label>
      </p>
      <p>
        <input type="radio" id="b-at" name="when" value="at" ${checked(f.when === 'at')} />
        <label for="b-at">At a local time in each customer's zone</label>
      </p>
      <p class="field">
        <label for="b-time">Time (HH:MM)</label>
        <input id="b-time" name="time" value="${f.time}" inputmode="numeric" />
      </p>
      <p class="field">
        <label for="b-date">Date (YYYY-MM-DD, optional: the next such time)</label>
        <input id="b-date" name="date" value="${f.date}" />
      </p>
    </fieldset>
    <p>
      <input
        type="checkbox"
        id="b-transactional"
        name="transactional"
        value="yes"
        ${checked(f.transactional)}
      />
      <label for="b-transactional">Transactional (ignores unsubscribes, the window and the cap)</label>
    </p>
    <p class="toolbar">
      <button type="submit" name="action" value="preview" class="${previewed ? 'button-secondary' : ''}">
        Preview
      </button>
      ${previewed ? html`<button type="submit" name="action" value="create">Create broadcast</button>` : ''}
    </p>
  </form>`;
}

export function previewSection(f: BroadcastFields, p: BroadcastPreview): SafeHtml {
  return html`<section aria-labelledby="preview-heading">
    <h2 id="preview-heading">Preview</h2>
    <p role="status" id="audience-count">
      ${p.audience} ${p.audience === 1 ? 'customer is' : 'customers are'} in this audience now.
    </p>
    <p>
      Subject: <strong>${p.sample.message.subject}</strong> — rendered for
      ${p.sampleCustomer ?? 'sample data'}.
    </p>
    <iframe
      class="preview-frame"
      sandbox=""
      title="Sample message"
      src="/console/broadcasts/sample?${sampleQuery(f)}"
    ></iframe>
  </section>`;
}

function countsTable(
  caption: string,
  rows: ReadonlyArray<{ label: string; counts: Partial<Record<string, number>> }>,
): SafeHtml {
  const statuses = [...new Set(rows.flatMap((r) => Object.keys(r.counts)))].sort();
  return html`<div class="table-scroll">
    <table>
      <caption>
        ${caption}
      </caption>
      <thead>
        <tr>
          <th scope="col">${caption === 'By zone' ? 'Zone' : ''}</th>
          ${statuses.map((s) => html`<th scope="col">${s}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r) =>
            html`<tr>
              <th scope="row">${r.label}</th>
              ${statuses.map((s) => html`<td>${r.counts[s] ?? 0}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function detailView(
  d: BroadcastDetail,
  zone: string,
  csrf: string | null,
  canEdit: boolean,
): SafeHtml {
  const open = d.status === 'draft' || d.status === 'scheduled' || d.status === 'sending';
  return html`<p><a href="/console/broadcasts">All broadcasts</a></p>
    <h1>${d.name}</h1>
    <dl>
      <dt>Status</dt>
      <dd><span class="badge">${d.status}</span></dd>
      <dt>Template</dt>
      <dd><a href="/console/templates/${encodeURIComponent(d.template)}">${d.template}</a></dd>
      <dt>Audience</dt>
      <dd>${describeAudience(d.audience)} (${d.audienceCount} when created)</dd>
      <dt>When</dt>
      <dd>${sendAtText(d.sendAt)}${d.transactional ? ' (transactional)' : ''}</dd>
      <dt>Created</dt>
      <dd>${timeTag(d.createdAt, zone)} by ${d.createdBy}</dd>
      ${
        d.cancelledAt === null
          ? ''
          : html`<dt>Cancelled</dt>
              <dd>${timeTag(d.cancelledAt, zone)} by ${d.cancelledBy}</dd>`
      }
    </dl>
    ${countsTable('By status', [{ label: 'All', counts: d.counts }])}
    ${
      d.zones.length === 0
        ? html`<p>Nothing planned yet: the daemon plans it on its next tick.</p>`
        : countsTable(
            'By zone',
            d.zones.map((z) => ({ label: z.zone ?? `none on file (${zone})`, counts: z.counts })),
          )
    }
    ${
      open && canEdit
        ? html`<form
            method="post"
            action="/console/broadcasts/${d.id}/cancel"
            data-confirm="Cancel broadcast ${d.name}? What is still pending will not be sent."
          >
            ${csrfField(csrf)}<button type="submit" class="button-danger">Cancel broadcast</button>
          </form>`
        : ''
    }`;
}
