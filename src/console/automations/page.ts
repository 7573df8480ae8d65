/**
 * The automations pages: each automation in plain words with its status and what is pending;
 * one automation's history and edit form. Every change (an edit, switching it on or off) is
 * previewed first — what it adds, moves and cancels in the next 7 days — then confirmed with
 * the exact definition shown, validated again as the config file is, stored, re-planned, audited.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { asWritten, automationHistory, getStoredAutomation } from '../../db/automations.js';
import { countPendingOf } from '../../db/deliveries.js';
import { AppError } from '../../errors.js';
import { applyAutomationChange, previewAutomationChange } from '../../outreach/automation-changes.js';
import type { Definition } from '../../outreach/automations.js';
import { describeAutomation } from '../../outreach/describe.js';
import type { ConsoleDeps } from '../deps.js';
import { hasRole, requireRole, staffOf } from '../guards.js';
import { html, page } from '../layout.js';
import type { ConsolePage } from '../plugin.js';
import { messagePage, redirect, sendPage } from '../respond.js';
import { audit } from '../staff.js';
import { carriedDefinition, proposedDefinition } from './form.js';
import { editForm, historyView, listView, noticeOf, previewView, type Notice } from './views.js';
import { fieldsOf, queryField } from '../request-fields.js';

const DONE: Record<string, string> = {
  edited: 'Saved; what was planned is re-planned.',
  enabled: 'Enabled; it is planned from now on.',
  disabled: 'Disabled; its pending deliveries are cancelled.',
  unchanged: 'Nothing changed.',
};

type Params = { id: string };
const body = (request: FastifyRequest) => fieldsOf(request.body);

async function list(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply) {
  const live = deps.rt.config.automations;
  const rows = [];
  for (const automation of live)
    rows.push({ automation, pending: await countPendingOf(deps.db.knex, automation.id) });
  const content = listView(rows, request.csrf, hasRole(request.staff, 'editor'), describeAutomation);
  return sendPage(
    reply,
    200,
    page({
      title: 'Automations',
      staff: request.staff,
      csrf: request.csrf,
      active: 'automations',
      body: content,
    }),
  );
}

async function detail(
  deps: ConsoleDeps,
  request: FastifyRequest<{ Params: Params }>,
  reply: FastifyReply,
  status: number,
  notice?: Notice,
  typed: Record<string, unknown> | null = null,
) {
  const { id } = request.params;
  const stored = await getStoredAutomation(deps.db.knex, id);
  if (!stored)
    return messagePage(
      request,
      reply,
      404,
      'Not found',
      html`<p>There is no automation "${id}". <a href="/console/automations">All automations</a></p>`,
    );
  const written = asWritten(stored.definition, stored.enabled);
  const live = deps.rt.config.automations.find((a) => a.id === id);
  const zone = deps.config.business.timezone;
  const done = queryField(request, 'done');
  const shown =
    notice ??
    (typeof done === 'string' && DONE[done] ? { kind: 'done' as const, text: DONE[done] } : undefined);
  const canEdit = hasRole(request.staff, 'editor');
  const content = html`<p><a href="/console/automations">All automations</a></p>
    <h1>${live?.label ?? id}</h1>
    ${noticeOf(shown)}
    <p>${live ? describeAutomation(live) : 'Not in use: its stored definition does not validate.'}</p>
    <p>
      Status: <span class="badge">${stored.enabled ? 'enabled' : 'disabled'}</span> · pending deliveries:
      ${await countPendingOf(deps.db.knex, id)}
    </p>
    <pre>${JSON.stringify(written, null, 2)}</pre>
    ${
      canEdit
        ? html`${editForm(id, written, typed, request.csrf)}
            <form method="post" action="/console/automations/${encodeURIComponent(id)}/preview">
              <input type="hidden" name="_csrf" value="${request.csrf ?? ''}" />
              <input type="hidden" name="enabled" value="${stored.enabled ? 'false' : 'true'}" />
              <p>
                <button type="submit" class="button-secondary">
                  ${stored.enabled ? 'Disable' : 'Enable'} (preview)
                </button>
              </p>
            </form>`
        : html`<p class="muted">Editing needs the editor role.</p>`
    }
    ${historyView(await automationHistory(deps.db.knex, id), zone)}`;
  return sendPage(
    reply,
    status,
    page({ title: id, staff: request.staff, csrf: request.csrf, active: 'automations', body: content }),
  );
}

function refusal(error: unknown): Notice {
  if (!(error instanceof AppError)) throw error;
  return { kind: 'error', text: error.message, details: error.details ?? [] };
}

function baseOf(written: Definition): string {
  return JSON.stringify(written);
}

async function preview(deps: ConsoleDeps, request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
  const { id } = request.params;
  const fields = body(request);
  const stored = await getStoredAutomation(deps.db.knex, id);
  if (!stored) return detail(deps, request, reply, 404);
  const current = asWritten(stored.definition, stored.enabled);
  try {
    const toggle = fields.enabled;
    const next =
      toggle === 'true' || toggle === 'false'
        ? (d: Definition) => ({ ...d, enabled: toggle === 'true' })
        : (d: Definition) => proposedDefinition(d, fields);
    const p = await previewAutomationChange(deps.rt, id, next);
    const zone = deps.config.business.timezone;
    const content = previewView({
      id,
      description: p.description,
      forecast: p.forecast,
      written: p.written,
      base: baseOf(current),
      zone,
      csrf: request.csrf,
    });
    return sendPage(
      reply,
      200,
      page({
        title: `Change ${id}`,
        staff: request.staff,
        csrf: request.csrf,
        active: 'automations',
        body: content,
      }),
    );
  } catch (error) {
    return detail(deps, request, reply, 400, refusal(error), fields);
  }
}

async function apply(deps: ConsoleDeps, request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
  const { id } = request.params;
  const fields = body(request);
  const stored = await getStoredAutomation(deps.db.knex, id);
  if (!stored) return detail(deps, request, reply, 404);
  const before = asWritten(stored.definition, stored.enabled);
  if (fields.base !== baseOf(before)) {
    return detail(deps, request, reply, 409, {
      kind: 'error',
      text: 'It was changed meanwhile (see its history); preview your change again.',
    });
  }
  try {
    const proposed = carriedDefinition(fields.definition);
    const staff = staffOf(request);
    const applied = await applyAutomationChange(deps.rt, id, () => proposed, staff.email);
    if (applied) {
      await audit(
        deps.db,
        staff,
        `automation.${applied.action}`,
        id,
        { before, after: proposed, replanned: applied.replanned },
        deps.now(),
      );
    }
    return redirect(
      reply,
      `/console/automations/${encodeURIComponent(id)}?done=${applied?.action ?? 'unchanged'}`,
    );
  } catch (error) {
    return detail(deps, request, reply, 400, refusal(error));
  }
}

export const automationsPage: ConsolePage = {
  name: 'automations',
  register(scope, deps) {
    const editor = { preHandler: requireRole('editor') };
    scope.get('/automations', (request, reply) => list(deps, request, reply));
    scope.get<{ Params: Params }>('/automations/:id', (request, reply) => detail(deps, request, reply, 200));
    scope.post<{ Params: Params }>('/automations/:id/preview', editor, (request, reply) =>
      preview(deps, request, reply),
    );
    scope.post<{ Params: Params }>('/automations/:id/apply', editor, (request, reply) =>
      apply(deps, request, reply),
    );
  },
};
