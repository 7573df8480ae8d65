/**
 * The editor's JSON endpoints (the contract at the top of client/editor.ts) and the route the
 * sandboxed preview frame loads. Changes need the editor role; refusals answer
 * `{ error: { code, message } }` with a status that names the kind of refusal.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { outreachDeps } from '../../outreach/startup.js';
import type { ConsoleDeps } from '../deps.js';
import { hasRole, staffOf } from '../guards.js';
import { audit } from '../staff.js';
import { html } from '../layout.js';
import { messagePage, wantsJson } from '../respond.js';
import {
  checkDraft,
  findCustomersForPreview,
  PreviewStore,
  previewAs,
  saveDraft,
  sendTest,
  TestSendLimiter,
} from './service.js';
import { requireTemplate, templateParam } from './lookup.js';
import type { PreviewAsInput, PreviewResult } from './preview.js';
import { showVersion } from '../../outreach/catalog.js';
import type { DbRuntime } from '../../runtime.js';
import { queryField, routeParam } from '../request-fields.js';

/** The sandbox a rendered message is shown in: no scripts, no plugins, no same origin. */
const PREVIEW_CSP =
  "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; frame-ancestors 'self'";

const STATUS: Record<string, number> = {
  E_USAGE: 400,
  E_NOT_FOUND: 404,
  E_CONFLICT: 409,
  E_TEMPLATE_INVALID: 422,
  E_TEMPLATE_MISSING: 422,
  E_TEMPLATE_RENDER: 422,
  E_RATE_LIMITED: 429,
};

const text = (max: number) => z.string().max(max);
const Draft = z.object({
  locale: text(35).default(''),
  subject: text(10_000),
  html: text(1_000_000),
  text: text(1_000_000).nullable().default(null),
});
const SaveBody = Draft.extend({ baseVersion: z.number().int().positive().nullable() });
const PreviewBody = Draft.extend({ customerId: text(200).optional() });
const TestSendBody = PreviewBody.extend({ to: text(320) });

/** The body, checked; a bad one is E_USAGE naming the field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || 'body';
  throw new AppError('E_USAGE', `${field}: ${issue?.message ?? 'invalid'}`);
}

/** Sends an AppError as the editor reads it; anything else is the console's 500. */
export function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof AppError) || STATUS[error.code] === undefined) throw error;
  const body: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.details?.length) body.details = error.details;
  return reply.code(STATUS[error.code] ?? 400).send({ error: body });
}

/**
 * A refused form post or page: JSON for scripts, else a page saying why with a way back. Errors
 * that are no refusal (a bug, a database down) go on to the console's error page.
 */
export function refusal(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  if (wantsJson(request)) return sendError(reply, error);
  if (!(error instanceof AppError) || STATUS[error.code] === undefined) throw error;
  return messagePage(
    request,
    reply,
    STATUS[error.code] ?? 400,
    'Not done',
    html`<p>${error.message}</p>
      <p><a href="/console/templates">All templates</a></p>`,
  );
}

/** Editors and owners only; a viewer's request (forged or not) is refused before anything runs. */
async function editorsOnly(request: FastifyRequest, reply: FastifyReply) {
  if (hasRole(request.staff, 'editor')) return undefined;
  return reply
    .code(403)
    .send({ error: { code: 'E_CONSOLE_FORBIDDEN', message: 'changing templates needs the editor role' } });
}

type Handler = (request: FastifyRequest, name: string) => Promise<unknown>;

function json(deps: ConsoleDeps, handler: Handler) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const name = templateParam(request);
      await requireTemplate(deps.db, name);
      return reply.send(await handler(request, name));
    } catch (error) {
      return sendError(reply, error);
    }
  };
}

/**
 * The draft as the customer would get it; a draft that does not compile or render is shown as
 * the published version instead, with the draft's problems as warnings (the editor says so).
 */
async function previewOrPublished(rt: DbRuntime, input: PreviewAsInput): Promise<PreviewResult> {
  try {
    return await previewAs(rt, input);
  } catch (error) {
    if (!(error instanceof AppError) || !error.code.startsWith('E_TEMPLATE_')) throw error;
    const ref = { kind: 'template' as const, name: input.name, locale: input.locale ?? '' };
    const published = await showVersion(rt.db, ref).catch(() => showVersion(rt.db, { ...ref, locale: '' }));
    const problems = await checkDraft(outreachDeps(rt), input);
    const shown = await previewAs(rt, {
      ...input,
      subject: published.subject ?? '',
      html: published.html,
      text: published.text,
    });
    const warnings = problems.map((p) => `${p.tab}:${p.line}: ${p.message}`);
    return { ...shown, warnings: warnings.length > 0 ? warnings : [error.message] };
  }
}

export function registerApi(scope: FastifyInstance, deps: ConsoleDeps): void {
  const rt = deps.rt;
  const out = outreachDeps(rt);
  const previews = new PreviewStore();
  const limiter = new TestSendLimiter();
  const editor = { preHandler: editorsOnly };

  scope.post(
    '/templates/:name/check',
    editor,
    json(deps, async (request, name) => {
      const draft = parseBody(Draft, request.body);
      return { problems: await checkDraft(out, { ...draft, name }) };
    }),
  );

  scope.post(
    '/templates/:name/draft',
    editor,
    json(deps, async (request, name) => {
      const body = parseBody(SaveBody, request.body);
      // Not audited: each saved version records its author, and autosave would flood the log.
      return saveDraft(out, { ...body, name, author: staffOf(request).email });
    }),
  );

  scope.post(
    '/templates/:name/preview',
    editor,
    json(deps, async (request, name) => {
      const body = parseBody(PreviewBody, request.body);
      const shown = await previewOrPublished(rt, { ...body, name });
      const token = previews.put(shown.html, deps.now());
      return {
        url: `/console/templates/${encodeURIComponent(name)}/preview/${token}`,
        subject: shown.subject,
        customer: shown.customer,
        event: shown.event,
        warnings: shown.warnings,
      };
    }),
  );

  scope.get(
    '/templates/:name/customers',
    editor,
    json(deps, async (request) => {
      const q = queryField(request, 'q');
      return { customers: typeof q === 'string' ? await findCustomersForPreview(deps.db, q) : [] };
    }),
  );

  scope.post(
    '/templates/:name/test-send',
    editor,
    json(deps, async (request, name) => {
      const { to, locale, customerId, subject, html, text } = parseBody(TestSendBody, request.body);
      const staff = staffOf(request);
      const sent = await sendTest(rt, limiter, {
        to,
        name,
        locale,
        draft: { subject, html, text },
        ...(customerId ? { customerId } : {}),
        author: staff.email,
      });
      await audit(deps.db, staff, 'template.test-send', name, { locale, to: sent.to }, deps.now());
      return { subject: sent.subject, to: sent.to };
    }),
  );

  // The frame's document: its own CSP replaces the console's, so nothing in a template runs.
  scope.get('/templates/:name/preview/:token', editor, async (request, reply) => {
    const token = routeParam(request, 'token');
    const shown = previews.get(token, deps.now());
    reply
      .header('content-security-policy', PREVIEW_CSP)
      .header('x-frame-options', 'SAMEORIGIN')
      .type('text/html; charset=utf-8');
    if (shown === undefined) {
      return reply
        .code(404)
        .send('<!doctype html><p>This preview has expired; change the draft to render it again.</p>');
    }
    return reply.send(shown);
  });
}
