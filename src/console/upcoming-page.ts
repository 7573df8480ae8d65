/**
 * Upcoming: what will be sent in the next 14 days, by the business's day and automation, each
 * send with its customer, their local time and UTC, read from the stored forecast the daemon
 * keeps fresh. Editors can skip one send: it is recorded as skipped by them (and audited) and
 * the planner never sends it; and they can ask for a fresh forecast now.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { UPCOMING_DAYS } from '../schedule/upcoming-build.js';
import { refreshUpcoming, skipUpcoming, upcomingView } from './data/upcoming.js';
import type { ConsoleDeps } from './deps.js';
import { hasRole, requireRole, staffOf } from './guards.js';
import { html, page } from './layout.js';
import type { ConsolePage } from './plugin.js';
import { redirect, sendPage } from './respond.js';
import { audit } from './staff.js';
import { dayBlock, freshness, type Paging } from './upcoming-views.js';

/** Sends shown per day at first; "show more" shows the next PAGE of that day. */
const PER_DAY = 10;
const PAGE = 100;

type Notice = { kind: 'status' | 'alert'; text: string } | null;

const NOTICES: Record<string, string> = {
  skipped: 'Skipped: that send is recorded as skipped by you and will not go out.',
  refreshed: 'The forecast was computed again just now.',
  requested: 'A fresh forecast was asked for; the daemon computes it in the background. Reload in a minute.',
};

function parsePaging(query: unknown): { paging: Paging; notice: Notice } {
  const q = (query ?? {}) as Record<string, unknown>;
  const day = typeof q.day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(q.day) ? q.day : null;
  const due = Number(q.after_due);
  const id = Number(q.after_id);
  const automation = typeof q.after_automation === 'string' ? q.after_automation.slice(0, 200) : '';
  const after =
    day && automation !== '' && Number.isSafeInteger(due) && Number.isSafeInteger(id)
      ? { automation, dueAt: due, id }
      : null;
  const from = Number(q.from);
  const done = typeof q.done === 'string' ? NOTICES[q.done] : undefined;
  const already =
    q.done === 'already' && typeof q.status === 'string'
      ? `Not skipped: that send is already ${q.status.slice(0, 20)}.`
      : undefined;
  const text = done ?? already;
  return {
    paging: { day, after, from: after && Number.isSafeInteger(from) && from > 0 ? from : 0 },
    notice: text ? { kind: 'status', text } : null,
  };
}

async function render(
  deps: ConsoleDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  paging: Paging,
  notice: Notice,
) {
  const view = await upcomingView(deps.rt, {
    day: paging.day,
    after: paging.after,
    perDay: PER_DAY,
    pageSize: PAGE,
  });
  const zone = deps.config.business.timezone;
  const v = {
    canEdit: hasRole(request.staff, 'editor'),
    csrf: request.csrf,
    zone,
    everyMs: deps.config.console.upcoming_refresh,
  };
  const body = html`<h1>Upcoming</h1>
    <p>
      What will be sent in the next ${UPCOMING_DAYS} days, by day in ${zone} and by automation; each send at
      the customer's local time, with UTC beside it.
      ${v.canEdit ? 'Skip a send to keep it from going out; it is recorded with your name.' : 'Viewers cannot skip sends; ask an editor.'}
    </p>
    ${notice ? html`<p role="${notice.kind}" class="notice ${notice.kind === 'alert' ? 'notice-error' : 'notice-success'}">${notice.text}</p>` : ''}
    ${freshness(view, v)}
    ${view.state.computedAt !== null && view.days.length === 0 ? html`<p class="muted">Nothing is planned for the next ${UPCOMING_DAYS} days.</p>` : ''}
    ${view.days.map((d) => dayBlock(d, paging, v))}`;
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
    const notice: Notice = { kind: 'alert', text: `Not skipped. ${error.message}` };
    const paging = { day: null, after: null, from: 0 };
    return render(deps, request, reply, error.code === 'E_NOT_FOUND' ? 404 : 400, paging, notice);
  }
}

async function refresh(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply) {
  const staff = staffOf(request);
  const outcome = await refreshUpcoming(deps.rt, staff.email);
  await audit(deps.db, staff, 'upcoming.refresh', 'upcoming', { outcome }, deps.now());
  return redirect(reply, `/console/upcoming?done=${outcome === 'built' ? 'refreshed' : 'requested'}`);
}

export const upcomingPage: ConsolePage = {
  name: 'upcoming',
  register(scope, deps) {
    scope.get('/upcoming', (request, reply) => {
      const { paging, notice } = parsePaging(request.query);
      return render(deps, request, reply, 200, paging, notice);
    });
    scope.post('/upcoming/skip', { preHandler: requireRole('editor') }, (request, reply) =>
      skip(deps, request, reply),
    );
    scope.post('/upcoming/refresh', { preHandler: requireRole('editor') }, (request, reply) =>
      refresh(deps, request, reply),
    );
  },
};
