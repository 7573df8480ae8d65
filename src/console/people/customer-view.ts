/** One customer's page: the record, events, consent history and every delivery with its reason. */
import type { CustomerDetail, DeliveryLine } from '../data/customer.js';
import { html, type SafeHtml } from '../layout.js';
import { when } from './view.js';

const FIELDS = [
  ['email', 'Email'],
  ['first_name', 'First name'],
  ['last_name', 'Last name'],
  ['birthday', 'Birthday'],
  ['timezone', 'Time zone'],
  ['locale', 'Locale'],
  ['country', 'Country'],
  ['region', 'Region'],
  ['customer_since', 'Customer since'],
] as const;

function record(d: CustomerDetail, zone: string): SafeHtml {
  const c = d.customer;
  const attributes = Object.entries(c.attributes);
  return html`<h2>Record</h2>
    <dl>
      ${FIELDS.map(
        ([key, label]) =>
          html`<dt>${label}</dt>
            <dd>${c[key] ?? '—'}</dd>`,
      )}
      <dt>Tags</dt>
      <dd>${c.tags.length ? c.tags.map((t) => html`<span class="badge">${t}</span> `) : '—'}</dd>
      <dt>Updated</dt>
      <dd>${when(c.updated_at, zone)}${d.updated_by ? html` by ${d.updated_by}` : ''}</dd>
    </dl>
    <h3>Attributes</h3>
    ${
      attributes.length
        ? html`<dl>
            ${attributes.map(
              ([k, v]) =>
                html`<dt>${k}</dt>
                  <dd>${v}</dd>`,
            )}
          </dl>`
        : html`<p class="muted">None.</p>`
    }`;
}

function mailStatus(d: CustomerDetail, zone: string): SafeHtml {
  const s = d.suppression;
  return html`<h2>Mail</h2>
    <ul>
      <li>${d.customer.subscribed ? 'Subscribed at import.' : 'Opted out of marketing mail at import.'}</li>
      <li>
        ${
          d.opted_out.length
            ? html`Opted out of: ${d.opted_out.map((s) => (s === '*' ? 'all marketing mail' : s)).join(', ')}.`
            : 'No opt-outs in the consent log.'
        }
      </li>
      <li>
        ${
          s
            ? html`Address suppressed since ${when(s.created_at, zone)}: ${s.reason} (${s.source}).`
            : 'Address not suppressed.'
        }
      </li>
    </ul>`;
}

function deliveryRow(line: DeliveryLine, zone: string): SafeHtml {
  return html`<tr>
    <td>${line.automation_id}</td>
    <td>${line.occurrence}</td>
    <td>${line.status_words}</td>
    <td>${line.why ?? ''}</td>
    <td>${when(line.due_at, zone)}</td>
    <td>${when(line.sent_at, zone)}</td>
    <td>
      ${
        line.view_id === null
          ? ''
          : html`<a href="/console/deliveries/${line.view_id}"
              >View as sent<span class="visually-hidden">
                (${line.subject ?? line.automation_id}, ${line.occurrence})</span
              ></a
            >`
      }
    </td>
  </tr>`;
}

function deliveries(d: CustomerDetail, zone: string): SafeHtml {
  if (d.deliveries.length === 0)
    return html`<h2>Deliveries</h2>
      <p class="muted">None planned or sent.</p>`;
  return html`<h2>Deliveries</h2>
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Automation</th>
            <th scope="col">Occurrence</th>
            <th scope="col">Status</th>
            <th scope="col">Why</th>
            <th scope="col">Due</th>
            <th scope="col">Sent</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          ${d.deliveries.map((line) => deliveryRow(line, zone))}
        </tbody>
      </table>
    </div>`;
}

function events(d: CustomerDetail, zone: string): SafeHtml {
  const shown =
    d.event_count > d.events.length
      ? html`the latest ${d.events.length} of ${d.event_count}`
      : html`${d.event_count}`;
  return html`<h2>Events (${shown})</h2>
    ${
      d.events.length === 0
        ? html`<p class="muted">None.</p>`
        : html`<div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Type</th>
                  <th scope="col">Id</th>
                  <th scope="col">Data</th>
                </tr>
              </thead>
              <tbody>
                ${d.events.map(
                  (e) =>
                    html`<tr>
                      <td>${when(e.occurred_at, zone)}</td>
                      <td>${e.type}</td>
                      <td>${e.id}</td>
                      <td><code>${JSON.stringify(e.data)}</code></td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }`;
}

function consent(d: CustomerDetail, zone: string): SafeHtml {
  return html`<h2>Consent history</h2>
    ${
      d.consent.length === 0
        ? html`<p class="muted">No opt-ins or opt-outs recorded.</p>`
        : html`<div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Source</th>
                  <th scope="col">By</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                ${d.consent.map(
                  (c) =>
                    html`<tr>
                      <td>${when(c.at, zone)}</td>
                      <td>${c.action}</td>
                      <td>${c.scope === '*' ? 'all marketing mail' : c.scope}</td>
                      <td>${c.source}</td>
                      <td>${c.author ?? '—'}</td>
                      <td>${c.reason ?? ''}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }`;
}

/** The page body; `actions` is the editor's forms or a read-only note. */
export function customerView(
  d: CustomerDetail,
  zone: string,
  notice: SafeHtml | string,
  actions: SafeHtml,
): SafeHtml {
  const c = d.customer;
  const name = [c.first_name, c.last_name].filter((p) => p).join(' ');
  return html`<p><a href="/console/customers">← Customers</a></p>
    <h1>${name || c.id} <span class="muted">(${c.id})</span></h1>
    ${notice} ${record(d, zone)} ${mailStatus(d, zone)} ${deliveries(d, zone)} ${events(d, zone)}
    ${consent(d, zone)}
    <h2>Actions</h2>
    ${actions}`;
}
