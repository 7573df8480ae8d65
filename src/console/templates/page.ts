/**
 * The Templates section of the console: the list, the editor page (the editor script with its
 * JSON endpoints, or plain forms that save and publish without JavaScript), and the history.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { outreachDeps } from '../../outreach/startup.js';
import type { ConsoleDeps } from '../deps.js';
import { hasRole, requireRole, staffOf } from '../guards.js';
import { html, page } from '../layout.js';
import type { ConsolePage } from '../plugin.js';
import { redirect, sendPage, wantsJson } from '../respond.js';
import { audit } from '../staff.js';
import { parseBody, refusal, registerApi, sendError } from './api.js';
import { registerHistory } from './history.js';
import { localeOf, openVariant, requireTemplate, templateParam } from './lookup.js';
import { checkDraft, listTemplates, publish, saveDraft } from './service.js';
import { editorBody, listBody, stylesheet, templateUrl, type Notice } from './views.js';
import { z } from 'zod';
import { bodyField, fieldsOf } from '../request-fields.js';

const DONE: Record<string, string> = {
  saved: 'Draft saved.',
  unchanged: 'Nothing changed since the version shown; nothing was saved.',
  published: 'Published: automations send this version from now on.',
};

type Content = { subject: string; html: string; text: string };

async function renderEditor(
  deps: ConsoleDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  o: { name: string; locale: string; status?: number; notice?: Notice; content?: Content },
) {
  const opened = await openVariant(deps.db, o.name, o.locale);
  const shown = opened.shown;
  const content = o.content ?? {
    subject: shown?.subject ?? '',
    html: shown?.html ?? '',
    text: shown?.text ?? '',
  };
  const canEdit = hasRole(request.staff, 'editor');
  const problems = await checkDraft(outreachDeps(deps.rt), { name: o.name, locale: o.locale, ...content });
  const body = editorBody({
    name: o.name,
    locale: o.locale,
    locales: opened.locales,
    content,
    baseVersion: opened.baseVersion,
    published: opened.published,
    savedBy: opened.baseVersion !== null && shown ? { author: shown.author, at: shown.created_at } : null,
    problems,
    canEdit,
    csrf: request.csrf,
    zone: deps.config.business.timezone,
    ...(o.notice ? { notice: o.notice } : {}),
  });
  const head = canEdit
    ? html`<meta name="csrf-token" content="${request.csrf ?? ''}" />${stylesheet()}`
    : stylesheet();
  return sendPage(
    reply,
    o.status ?? 200,
    page({
      title: `Template ${o.name}`,
      staff: request.staff,
      csrf: request.csrf,
      active: 'templates',
      body,
      head,
      ...(canEdit ? { scripts: ['editor.js'] } : {}),
    }),
  );
}

const SaveForm = z.object({
  subject: z.string().max(10_000).default(''),
  html: z.string().max(1_000_000).default(''),
  text: z.string().max(1_000_000).default(''),
  baseVersion: z.string().regex(/^\d*$/, 'a version number').default(''),
  action: z.enum(['save', 'publish']).default('save'),
});

/** The form a browser without JavaScript posts: a draft, published too when asked. */
async function saveForm(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply) {
  const name = templateParam(request);
  await requireTemplate(deps.db, name);
  const locale = localeOf(bodyField(request, 'locale'));
  const form = parseBody(SaveForm, request.body);
  const content = { subject: form.subject, html: form.html, text: form.text };
  const staff = staffOf(request);
  const out = outreachDeps(deps.rt);
  let saved;
  try {
    saved = await saveDraft(out, {
      name,
      locale,
      ...content,
      baseVersion: form.baseVersion === '' ? null : Number(form.baseVersion),
      author: staff.email,
    });
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'E_CONFLICT') throw error;
    // Shown again with what was typed, so nothing is lost.
    const notice: Notice = { kind: 'error', text: `Not saved: ${error.message}` };
    return renderEditor(deps, request, reply, { name, locale, status: 409, notice, content });
  }
  if (form.action === 'publish')
    return publishAndShow(deps, request, reply, { name, locale, version: saved.version });
  return redirect(reply, templateUrl(name, '', { locale, done: saved.created ? 'saved' : 'unchanged' }));
}

async function publishAndShow(
  deps: ConsoleDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  o: { name: string; locale: string; version: number },
) {
  const staff = staffOf(request);
  try {
    await publish(outreachDeps(deps.rt), { ...o, author: staff.email });
  } catch (error) {
    if (wantsJson(request)) return sendError(reply, error);
    if (!(error instanceof AppError) || error.code !== 'E_TEMPLATE_INVALID') throw error;
    const notice: Notice = { kind: 'error', text: error.message, details: error.details ?? [] };
    return renderEditor(deps, request, reply, { name: o.name, locale: o.locale, status: 422, notice });
  }
  await audit(
    deps.db,
    staff,
    'template.publish',
    o.name,
    { locale: o.locale, version: o.version },
    deps.now(),
  );
  if (wantsJson(request)) return reply.send({ published: o.version });
  return redirect(reply, templateUrl(o.name, '', { locale: o.locale, done: 'published' }));
}

const PublishForm = z.object({ version: z.coerce.number().int().positive() });

export const templatesPage: ConsolePage = {
  name: 'templates',
  register(scope, deps) {
    const editor = { preHandler: requireRole('editor') };
    scope.get('/templates', async (request, reply) => {
      const templates = await listTemplates(deps.db);
      const body = listBody(templates, deps.config.business.timezone, hasRole(request.staff, 'editor'));
      return sendPage(
        reply,
        200,
        page({
          title: 'Templates',
          staff: request.staff,
          csrf: request.csrf,
          active: 'templates',
          body,
          head: stylesheet(),
        }),
      );
    });
    scope.get('/templates/:name', async (request, reply) => {
      const name = templateParam(request);
      const query = fieldsOf(request.query);
      try {
        await requireTemplate(deps.db, name);
        const locale = localeOf(query.locale);
        const done = typeof query.done === 'string' ? DONE[query.done] : undefined;
        return await renderEditor(deps, request, reply, {
          name,
          locale,
          ...(done ? { notice: { kind: 'done', text: done } } : {}),
        });
      } catch (error) {
        return refusal(request, reply, error);
      }
    });
    scope.post('/templates/:name/save', editor, (request, reply) =>
      saveForm(deps, request, reply).catch((error: unknown) => refusal(request, reply, error)),
    );
    scope.post('/templates/:name/publish', editor, async (request, reply) => {
      const name = templateParam(request);
      try {
        await requireTemplate(deps.db, name);
        const locale = localeOf(bodyField(request, 'locale'));
        const { version } = parseBody(PublishForm, request.body);
        return await publishAndShow(deps, request, reply, { name, locale, version });
      } catch (error) {
        return refusal(request, reply, error);
      }
    });
    registerApi(scope, deps);
    registerHistory(scope, deps);
  },
};
