/**
 * Upcoming: what will be sent in the next 14 days, by the business's day and automation, each
 * send with its customer, their local time and UTC. Editors can skip one send: it is recorded
 * as skipped by them (and audited) and the planner never sends it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { skipUpcoming, upcoming, type UpcomingDay, type UpcomingSend } from './data/upcoming.js';
import type { ConsoleDeps } from './deps.js';
import { hasRole, requireRole, staffOf } from './guards.js';
import { csrfField, html, page, type SafeHtml } from './layout.js';
import type { ConsolePage } from './plugin.js';
import { redirect, sendPage } from './respond.js';
import { audit } from './staff.js';
import { dayTitle, localTime } from './when.js';

const DAYS = 14;
/** Sends shown per day before "show more"; each click shows this many more, up to MAX_SHOWN. */
const PER_DAY = 25;
const MAX_SHOWN = 2_000;

interface View {
  /** The day whose list was extended, and how many of its sends to show. */
  day: string | null;
  shown: number;
  notice: { kind: 'status' | 'alert'; text: string } | null;
}

function sendRow(s: UpcomingSend, canSkip: boolean, csrf: string | null): SafeHtml {
  const action =
    s.outcome !== 'send'
      ? html`<span class="muted">Will not be sent: ${s.why ?? 'skipped'}</span>`
      : canSkip
        ? html`<form
            method="post"
            action="/console/upcoming/skip"
            data-confirm="Skip ${s.automation} for ${s.email}? It will not be sent."
          >
            ${csrfField(csrf)}
            <input type="hidden" name="automation" value="${s.automation}" />
            <input type="hidden" name="customer" value="${s.customer_id}" />
            <input type="hidden" name="occurrence" value="${s.occurrence}" />
            <input type="hidden" name="utc" value="${s.utc}" />
            <button type="submit" class="button-secondary" aria-label="Skip ${s.automation} for ${s.email}">
              Skip
            </button>
          </form>`
        : html`<span class="muted">Will be sent</span>`;
  return html`<tr>
    <td>${s.customer_id}<br /><span class="muted">${s.email}</span></td>
    <td>${localTime(s.local)}</td>
    <td><time datetime="${s.utc}">${s.utc.slice(0, 16).replace('T', ' ')}</time></td>
    <td>${action}</td>
  </tr>`;
}

/** "3 to send", and how many the forecast already knows will not go. */
function counts(d: UpcomingDay): SafeHtml {
  const all = d.automations.flatMap((a) => a.sends);
  const sending = all.filter((s) => s.outcome === 'send').length;
  const held = all.length - sending;
  return html`<span class="badge">${sending} to send</span>
    ${held > 0 ? html`<span class="badge">${held} not sent</span>` : ''}`;
}

function dayBlock(d: UpcomingDay, view: View, canSkip: boolean, csrf: string | null): SafeHtml {
  const total = d.automations.reduce((a, x) => a + x.sends.length, 0);
  let left = view.day === d.day ? view.shown : PER_DAY;
  const groups = d.automations.map((a) => {
    const sends = a.sends.slice(0, Math.max(0, left));
    left -= sends.length;
    if (sends.length === 0) return '';
    return html`<h3>${a.automation} <span class="badge">${a.sends.length}</span></h3>
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
            ${sends.map((s) => sendRow(s, canSkip, csrf))}
          </tbody>
        </table>
      </div>`;
  });
  const shown = Math.min(total, view.day === d.day ? view.shown : PER_DAY);
  const more = Math.min(MAX_SHOWN, shown + 4 * PER_DAY);
  return html`<section aria-labelledby="day-${d.day}" id="section-${d.day}">
    <h2 id="day-${d.day}">${dayTitle(d.day)} ${counts(d)}</h2>
    ${groups}
    ${
      shown < total
        ? html`<p>
            Showing ${shown} of ${total}.
            ${
              shown < MAX_SHOWN
                ? html`<a href="/console/upcoming?day=${d.day}&amp;shown=${more}#section-${d.day}"
                    >Show more for ${d.day}</a
                  >`
                : 'The rest are in rapport upcoming --days 14 --json.'
            }
          </p>`
        : ''
    }
  </section>`;
}

function parseView(query: unknown): View {
  const q = (query ?? {}) as Record<string, unknown>;
  const day = typeof q.day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(q.day) ? q.day : null;
  const n = Number(q.shown);
  const shown = Number.isInteger(n) && n > 0 ? Math.min(n, MAX_SHOWN) : PER_DAY;
  const done =
    q.done === 'skipped' ? 'Skipped: that send is recorded as skipped by you and will not go out.' : null;
  const already =
    q.done === 'already' && typeof q.status === 'string'
      ? `Not skipped: that send is already ${q.status.slice(0, 20)}.`
      : null;
  const text = done ?? already;
  return { day, shown, notice: text ? { kind: 'status', text } : null };
}

async function render(
  deps: ConsoleDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  view: View,
) {
  const days = await upcoming(deps.rt, { days: DAYS });
  const canSkip = hasRole(request.staff, 'editor');
  const zone = deps.config.business.timezone;
  const body = html`<h1>Upcoming</h1>
    <p>
      What will be sent in the next ${DAYS} days, by day in ${zone} and by automation; each send at the
      customer's local time, with UTC beside it.
      ${canSkip ? 'Skip a send to keep it from going out; it is recorded with your name.' : 'Viewers cannot skip sends; ask an editor.'}
    </p>
    ${view.notice ? html`<p role="${view.notice.kind}" class="notice ${view.notice.kind === 'alert' ? 'notice-error' : 'notice-success'}">${view.notice.text}</p>` : ''}
    ${days.length === 0 ? html`<p class="muted">Nothing is planned for the next ${DAYS} days.</p>` : ''}
    ${days.map((d) => dayBlock(d, view, canSkip, request.csrf))}`;
  return sendPage(
    reply,
    status,
    page({ title: 'Upcoming', staff: request.staff, csrf: request.csrf, active: 'upcoming', body }),
  );
}

function field(request: FastifyRequest, name: string): string {
  const value = (request.body as Record<string, unknown> | null)?.[name];
  if (typeof value !== 'string' || value.trim() === '')
    throw new AppError('E_USAGE', `${name}: missing; reload the page and try again`);
  return value.trim();
}

async function skip(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply) {
  const staff = staffOf(request);
  try {
    const key = {
      automationId: field(request, 'automation'),
      customerId: field(request, 'customer'),
      occurrence: field(request, 'occurrence'),
      utc: field(request, 'utc'),
    };
    const status = await skipUpcoming(deps.rt, key, staff.email);
    const target = `${key.automationId}/${key.customerId}/${key.occurrence}`;
    await audit(deps.db, staff, 'upcoming.skip', target, { utc: key.utc, status }, deps.now());
    return redirect(
      reply,
      status === 'skipped'
        ? '/console/upcoming?done=skipped'
        : `/console/upcoming?done=already&status=${encodeURIComponent(status)}`,
    );
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const view: View = {
      day: null,
      shown: PER_DAY,
      notice: { kind: 'alert', text: `Not skipped. ${error.message}` },
    };
    return render(deps, request, reply, error.code === 'E_NOT_FOUND' ? 404 : 400, view);
  }
}

export const upcomingPage: ConsolePage = {
  name: 'upcoming',
  register(scope, deps) {
    scope.get('/upcoming', (request, reply) => render(deps, request, reply, 200, parseView(request.query)));
    scope.post('/upcoming/skip', { preHandler: requireRole('editor') }, (request, reply) =>
      skip(deps, request, reply),
    );
  },
};
