/**
 * /console/suppressions: suppressed addresses with why, where from and since when, paged; an
 * editor lifts one with a reason. A customer's own opt-outs are not suppressions and stay.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { Suppression } from '../../db/suppressions.js';
import { listSuppressions, liftSuppression } from '../data/suppressions.js';
import type { ConsoleDeps } from '../deps.js';
import { hasRole, requireRole, staffOf } from '../guards.js';
import { csrfField, html, page, type SafeHtml } from '../layout.js';
import type { ConsolePage } from '../plugin.js';
import { redirect, sendPage } from '../respond.js';
import { audit } from '../staff.js';
import { doneNotice, field, noticeOf, READ_ONLY, when, type Notice } from './view.js';

const DONE: Readonly<Record<string, string>> = {
  lifted: 'Suppression lifted: the address can be mailed again unless its owner opted out.',
  'not-suppressed': 'That address was not suppressed (lifted meanwhile?).',
};

function liftForm(s: Suppression, csrf: string | null): SafeHtml {
  const id = `lift-${Buffer.from(s.email).toString('hex')}`;
  return html`<form
    method="post"
    action="/console/suppressions/lift"
    data-confirm="Lift the suppression of ${s.email}?"
    data-confirm-label="Lift"
  >
    ${csrfField(csrf)}<input type="hidden" name="email" value="${s.email}" />
    <label for="${id}">Reason for lifting ${s.email}</label>
    <input id="${id}" name="reason" type="text" required />
    <button type="submit" aria-label="Lift suppression of ${s.email}">Lift</button>
  </form>`;
}

function table(rows: Suppression[], zone: string, canLift: boolean, csrf: string | null): SafeHtml {
  if (rows.length === 0) return html`<p>No suppressed addresses match.</p>`;
  return html`<div class="table-scroll">
    <table>
      <thead>
        <tr>
          <th scope="col">Address</th>
          <th scope="col">Reason</th>
          <th scope="col">Source</th>
          <th scope="col">Since</th>
          ${canLift ? html`<th scope="col">Lift</th>` : ''}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (s) =>
            html`<tr>
              <td>${s.email}</td>
              <td>${s.reason}</td>
              <td>${s.source}</td>
              <td>${when(s.created_at, zone)}</td>
              ${canLift ? html`<td>${liftForm(s, csrf)}</td>` : ''}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

async function show(
  deps: ConsoleDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  notice?: Notice,
) {
  const q = field(request.query, 'q').trim().slice(0, 200);
  const after = field(request.query, 'after');
  const list = await listSuppressions(deps.db, { ...(q ? { q } : {}), ...(after ? { cursor: after } : {}) });
  const canLift = hasRole(request.staff, 'editor');
  const next = list.next === null ? '' : new URLSearchParams({ ...(q ? { q } : {}), after: list.next });
  const body = html`<h1>Suppressions</h1>
    ${noticeOf(notice)}
    <p>
      A suppressed address gets no mail at all: it bounced, its owner complained, it was erased, or someone
      stopped it. Lifting a suppression does not undo a customer's own opt-out (an unsubscribe link or their
      preferences): only <kbd>rapport resubscribe</kbd> does that, with the customer's renewed consent.
    </p>
    ${canLift ? '' : READ_ONLY}
    <form
      method="get"
      action="/console/suppressions"
      role="search"
      data-autosubmit
      data-autosubmit-target="results"
    >
      <p class="field">
        <label for="suppression-search">Search addresses</label>
        <input id="suppression-search" name="q" type="search" value="${q}" autocomplete="off" />
      </p>
      <p><button type="submit">Search</button></p>
    </form>
    <div id="results">
      ${after ? html`<p><a href="/console/suppressions${q ? `?q=${encodeURIComponent(q)}` : ''}">← First page</a></p>` : ''}
      ${table(list.rows, deps.config.business.timezone, canLift, request.csrf)}
      ${next === '' ? '' : html`<p><a href="/console/suppressions?${next.toString()}" rel="next">Next →</a></p>`}
    </div>`;
  const document = page({
    title: 'Suppressions',
    staff: request.staff,
    csrf: request.csrf,
    active: 'suppressions',
    body,
  });
  return sendPage(reply, status, document);
}

export const suppressionsPage: ConsolePage = {
  name: 'suppressions',
  register(scope, deps) {
    scope.get('/suppressions', (request, reply) =>
      show(deps, request, reply, 200, doneNotice(request, DONE)),
    );
    scope.post('/suppressions/lift', { preHandler: requireRole('editor') }, async (request, reply) => {
      const email = field(request.body, 'email').trim();
      const reason = field(request.body, 'reason');
      try {
        if (email === '') throw new AppError('E_USAGE', 'email: say which address to lift');
        const staff = staffOf(request);
        const lifted = await liftSuppression(deps.db, email, reason, staff.email, deps.now());
        if (lifted)
          await audit(deps.db, staff, 'suppression.lift', email, { reason: reason.trim() }, deps.now());
        return redirect(reply, `/console/suppressions?done=${lifted ? 'lifted' : 'not-suppressed'}`);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return show(deps, request, reply, 400, { kind: 'error', text: error.message });
      }
    });
  },
};
