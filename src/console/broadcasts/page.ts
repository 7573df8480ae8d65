/**
 * The broadcasts pages: the list with counts, a new broadcast (previewed — audience count and a
 * rendered sample — before it can be created), one broadcast by status and zone, and cancel.
 * Editors create and cancel; viewers read. Every change is audited.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkAudience } from '../../broadcasts/audience.js';
import { previewBroadcast, sampleBroadcast } from '../../broadcasts/preview.js';
import {
  broadcastDetail,
  cancelBroadcast,
  createBroadcast,
  listBroadcasts,
} from '../../broadcasts/service.js';
import { listTemplates } from '../../db/templates.js';
import { AppError } from '../../errors.js';
import type { ConsoleDeps } from '../deps.js';
import { hasRole, requireRole, staffOf } from '../guards.js';
import { html, page, type SafeHtml } from '../layout.js';
import type { ConsolePage } from '../plugin.js';
import { messagePage, redirect, sendPage } from '../respond.js';
import { audit } from '../staff.js';
import { noticeOf, type Notice } from '../automations/views.js';
import { EMPTY_FIELDS, inputOf, readFields, type BroadcastFields } from './form.js';
import { detailView, listView, newForm, previewSection } from './views.js';
import { fieldsOf, queryField } from '../request-fields.js';

/** The sample runs no script and loads nothing but inline styles and images. */
const SAMPLE_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: https:";

const DONE: Record<string, string> = {
  created: 'Created; the daemon plans it on its next tick.',
  cancelled: 'Cancelled; what was still pending will not be sent.',
};

type Params = { id: string };

function shell(request: FastifyRequest, reply: FastifyReply, status: number, title: string, body: SafeHtml) {
  return sendPage(
    reply,
    status,
    page({ title, staff: request.staff, csrf: request.csrf, active: 'broadcasts', body }),
  );
}

/** Messages the broadcast code words for the CLI, in the form's field names. */
function refusal(error: unknown): Notice {
  if (!(error instanceof AppError)) throw error;
  const text = error.message.replace(/--at\b/g, 'time').replace(/--date\b/g, 'date');
  return { kind: 'error', text, details: error.details ?? [] };
}

async function templateNames(deps: ConsoleDeps): Promise<string[]> {
  return (await listTemplates(deps.db.knex)).filter((t) => t.kind === 'template').map((t) => t.name);
}

async function list(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply) {
  const rows = await listBroadcasts(deps);
  return shell(
    request,
    reply,
    200,
    'Broadcasts',
    listView(rows, deps.config.business.timezone, hasRole(request.staff, 'editor')),
  );
}

async function newPage(
  deps: ConsoleDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  fields: BroadcastFields,
  extra: { notice?: Notice; preview?: SafeHtml } = {},
) {
  const body = html`<p><a href="/console/broadcasts">All broadcasts</a></p>
    <h1>New broadcast</h1>
    ${noticeOf(extra.notice)}
    ${newForm(fields, await templateNames(deps), request.csrf, extra.preview !== undefined)}
    ${extra.preview ?? ''}`;
  return shell(request, reply, status, 'New broadcast', body);
}

async function submit(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply) {
  const body = fieldsOf(request.body);
  let fields = EMPTY_FIELDS;
  try {
    fields = readFields(body);
    const input = inputOf(fields);
    if (body.action === 'create') {
      const staff = staffOf(request);
      const created = await createBroadcast(deps, input, staff.email);
      await audit(
        deps.db,
        staff,
        'broadcast.create',
        String(created.id),
        {
          name: created.name,
          template: created.template,
          audience: created.audience,
          sendAt: created.sendAt,
        },
        deps.now(),
      );
      return redirect(reply, `/console/broadcasts/${created.id}?done=created`);
    }
    const preview = await previewBroadcast(deps.rt, { template: input.template, audience: input.audience });
    return newPage(deps, request, reply, 200, fields, { preview: previewSection(fields, preview) });
  } catch (error) {
    return newPage(deps, request, reply, 400, fields, { notice: refusal(error) });
  }
}

async function sample(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply) {
  const q = fieldsOf(request.query);
  const f = readFields({ template: q.template, tags: q.tags, attributes: q.attributes, everyone: 'yes' });
  const tags = f.tags.split(',').map((t) => t.trim());
  const attributes = Object.fromEntries(
    f.attributes
      .split(/\r?\n/)
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]),
  );
  let preview;
  try {
    // The frame shows the message only: its page already counted the audience.
    preview = await sampleBroadcast(deps.rt, {
      template: f.template,
      audience: checkAudience({ tags, attributes }),
    });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return reply
      .code(400)
      .header('content-security-policy', SAMPLE_CSP)
      .type('text/plain; charset=utf-8')
      .send(error.message);
  }
  return reply
    .code(200)
    .header('content-security-policy', SAMPLE_CSP)
    .type('text/html; charset=utf-8')
    .send(preview.sample.message.html);
}

async function detail(
  deps: ConsoleDeps,
  request: FastifyRequest<{ Params: Params }>,
  reply: FastifyReply,
  status = 200,
  notice?: Notice,
) {
  const id = Number(request.params.id);
  try {
    const d = await broadcastDetail(deps, id);
    const done = queryField(request, 'done');
    const shown =
      notice ??
      (typeof done === 'string' && DONE[done] ? { kind: 'done' as const, text: DONE[done] } : undefined);
    const body = html`${noticeOf(shown)}${detailView(d, deps.config.business.timezone, request.csrf, hasRole(request.staff, 'editor'))}`;
    return shell(request, reply, status, d.name, body);
  } catch (error) {
    if (error instanceof AppError && error.code === 'E_NOT_FOUND') {
      return messagePage(
        request,
        reply,
        404,
        'Not found',
        html`<p>There is no such broadcast. <a href="/console/broadcasts">All broadcasts</a></p>`,
      );
    }
    throw error;
  }
}

async function cancel(deps: ConsoleDeps, request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
  const id = Number(request.params.id);
  try {
    const staff = staffOf(request);
    const { skipped } = await cancelBroadcast(deps, id, staff.email);
    await audit(deps.db, staff, 'broadcast.cancel', String(id), { skipped }, deps.now());
    return redirect(reply, `/console/broadcasts/${id}?done=cancelled`);
  } catch (error) {
    if (error instanceof AppError && error.code === 'E_BROADCAST_DONE')
      return detail(deps, request, reply, 409, refusal(error));
    if (error instanceof AppError && error.code === 'E_NOT_FOUND') return detail(deps, request, reply);
    throw error;
  }
}

export const broadcastsPage: ConsolePage = {
  name: 'broadcasts',
  register(scope, deps) {
    const editor = { preHandler: requireRole('editor') };
    scope.get('/broadcasts', (request, reply) => list(deps, request, reply));
    scope.get('/broadcasts/new', editor, (request, reply) =>
      newPage(deps, request, reply, 200, EMPTY_FIELDS),
    );
    scope.post('/broadcasts/new', editor, (request, reply) => submit(deps, request, reply));
    scope.get('/broadcasts/sample', editor, (request, reply) => sample(deps, request, reply));
    scope.get<{ Params: Params }>('/broadcasts/:id', (request, reply) => detail(deps, request, reply));
    scope.post<{ Params: Params }>('/broadcasts/:id/cancel', editor, (request, reply) =>
      cancel(deps, request, reply),
    );
  },
};
