/**
 * /console/deliveries: the delivery log with filters (a GET form, so a filtered view is a link)
 * and keyset paging; /console/deliveries/:id shows one message exactly as it was sent.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { DELIVERY_STATUSES } from '../../domain.js';
import { AppError } from '../../errors.js';
import type { DeliveryLine } from '../data/customer.js';
import { listDeliveries, type DeliveryListOptions } from '../data/deliveries.js';
import type { ConsoleDeps } from '../deps.js';
import { html, page, type SafeHtml } from '../layout.js';
import type { ConsolePage } from '../plugin.js';
import { sendPage } from '../respond.js';
import { registerMessageRoutes } from './message-view.js';
import { field, noticeOf, when } from './view.js';

interface Filters {
  status: string;
  automation: string;
  from: string;
  to: string;
  customer: string;
  before: string;
}

const NAMES = ['status', 'automation', 'from', 'to', 'customer', 'before'] as const;

function filtersOf(query: unknown): Filters {
  const f = Object.fromEntries(NAMES.map((n) => [n, field(query, n).trim().slice(0, 200)]));
  return f as unknown as Filters;
}

/** A local date in the business zone to the instant it starts (`to` is inclusive: its next day). */
function dayStart(name: string, value: string, zone: string, next = false): number {
  const day = DateTime.fromISO(value, { zone });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !day.isValid)
    throw new AppError('E_USAGE', `${name}: "${value}" is not a date (YYYY-MM-DD)`);
  return (next ? day.plus({ days: 1 }) : day).toMillis();
}

function optionsOf(f: Filters, zone: string): DeliveryListOptions {
  return {
    ...(f.status ? { status: f.status } : {}),
    ...(f.automation ? { automation: f.automation } : {}),
    ...(f.customer ? { customer: f.customer } : {}),
    ...(f.from ? { from: dayStart('from', f.from, zone) } : {}),
    ...(f.to ? { to: dayStart('to', f.to, zone, true) } : {}),
    ...(f.before ? { cursor: f.before } : {}),
  };
}

function filterForm(f: Filters): SafeHtml {
  const text = (name: keyof Filters, label: string, type = 'text') =>
    html`<p class="field">
      <label for="filter-${name}">${label}</label>
      <input id="filter-${name}" name="${name}" type="${type}" value="${f[name]}" />
    </p>`;
  return html`<form method="get" action="/console/deliveries" class="toolbar" aria-label="Filter deliveries">
    <p class="field">
      <label for="filter-status">Status</label>
      <select id="filter-status" name="status">
        <option value="">any</option>
        ${DELIVERY_STATUSES.map(
          (s) => html`<option value="${s}" ${s === f.status ? html`selected` : ''}>${s}</option>`,
        )}
      </select>
    </p>
    ${text('automation', 'Automation')} ${text('customer', 'Customer id')} ${text('from', 'Due from', 'date')}
    ${text('to', 'Due until', 'date')}
    <p><button type="submit">Filter</button></p>
  </form>`;
}

function row(d: DeliveryLine, zone: string): SafeHtml {
  const subject = d.subject ?? html`<span class="muted">(not rendered)</span>`;
  return html`<tr>
    <td>${d.view_id === null ? subject : html`<a href="/console/deliveries/${d.view_id}">${subject}</a>`}</td>
    <td><a href="/console/customers/${encodeURIComponent(d.customer_id)}">${d.customer_id}</a></td>
    <td>${d.automation_id}</td>
    <td>${d.status_words}</td>
    <td>${d.why ?? ''}</td>
    <td>${when(d.due_at, zone)}</td>
    <td>${when(d.sent_at, zone)}</td>
  </tr>`;
}

function table(rows: DeliveryLine[], zone: string): SafeHtml {
  if (rows.length === 0) return html`<p>No deliveries match.</p>`;
  return html`<div class="table-scroll">
    <table>
      <thead>
        <tr>
          <th scope="col">Subject</th>
          <th scope="col">Customer</th>
          <th scope="col">Automation</th>
          <th scope="col">Status</th>
          <th scope="col">Why</th>
          <th scope="col">Due</th>
          <th scope="col">Sent</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map((d) => row(d, zone))}
      </tbody>
    </table>
  </div>`;
}

/** The list with the same filters, from its first page or before `before`. */
function listUrl(f: Filters, before: string | null): string {
  const q = new URLSearchParams();
  for (const n of NAMES) if (n !== 'before' && f[n]) q.set(n, f[n]);
  if (before !== null) q.set('before', before);
  const query = q.toString();
  return query ? `/console/deliveries?${query}` : '/console/deliveries';
}

function olderLink(f: Filters, next: string | null): SafeHtml | string {
  if (next === null) return '';
  return html`<p><a href="${listUrl(f, next)}" rel="next">Older →</a></p>`;
}

async function showList(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply) {
  const zone = deps.config.business.timezone;
  const f = filtersOf(request.query);
  let content: SafeHtml;
  let status = 200;
  try {
    const list = await listDeliveries(deps.db, optionsOf(f, zone));
    content = html`${table(list.rows, zone)} ${olderLink(f, list.next)}`;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    status = 400;
    content = html`${noticeOf({ kind: 'error', text: error.message })}`;
  }
  const body = html`<h1>Deliveries</h1>
    <p class="muted">${f.from || f.to ? 'Latest due first' : 'Newest first'}. Dates are in ${zone}.</p>
    ${filterForm(f)} ${f.before ? html`<p><a href="${listUrl(f, null)}">← First page</a></p>` : ''} ${content}`;
  return sendPage(
    reply,
    status,
    page({ title: 'Deliveries', staff: request.staff, csrf: request.csrf, active: 'deliveries', body }),
  );
}

export const deliveriesPage: ConsolePage = {
  name: 'deliveries',
  register(scope, deps) {
    scope.get('/deliveries', (request, reply) => showList(deps, request, reply));
    registerMessageRoutes(scope, deps);
  },
};
