/**
 * A template variant's history: every version with who saved it, when, from where, and which is
 * published; a diff of any two; restoring an old version (a new version equal to it, published).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { outreachDeps } from '../../outreach/startup.js';
import type { ConsoleDeps } from '../deps.js';
import { hasRole, requireRole, staffOf } from '../guards.js';
import { csrfField, html, page, type SafeHtml } from '../layout.js';
import { redirect, sendPage } from '../respond.js';
import { audit } from '../staff.js';
import { parseBody, refusal } from './api.js';
import { localeOf, requireTemplate, templateParam } from './lookup.js';
import { diff, history, restore, type HistoryItem } from './service.js';
import { localeLabel, noticeHtml, stylesheet, templateUrl, when } from './views.js';
import { bodyField, fieldsOf } from '../request-fields.js';

/** Kept out of the markup, where the formatter would fold it into a space. */
const NEWLINE = '\n';

/** Versions per page: a template edited with autosave gathers many. */
const PER_PAGE = 50;

interface HistoryView {
  name: string;
  locale: string;
  items: HistoryItem[];
  pageNo: number;
  diff: { from: number; to: number; text: string } | null;
  canEdit: boolean;
  csrf: string | null;
  zone: string;
  restored: boolean;
}

function versionRow(v: HistoryView, item: HistoryItem): SafeHtml {
  const restoreForm = v.canEdit
    ? html`<form
        method="post"
        action="${templateUrl(v.name, '/restore')}"
        data-confirm="Restore version ${item.version}? It becomes a new version and is published at once."
      >
        ${csrfField(v.csrf)}
        <input type="hidden" name="locale" value="${v.locale}" />
        <input type="hidden" name="version" value="${item.version}" />
        <button type="submit" class="button-secondary" aria-label="Restore version ${item.version}">
          Restore
        </button>
      </form>`
    : '';
  return html`<tr>
    <th scope="row">v${item.version}</th>
    <td>${item.author}</td>
    <td>${when(item.savedAt, v.zone)}</td>
    <td>${item.origin}</td>
    <td>
      ${item.published ? html`<span class="badge">in use</span>` : ''}
      ${item.publications.map((p) => html` <span class="muted">published by ${p.author} ${when(p.at, v.zone)}</span>`)}
    </td>
    <td>${restoreForm}</td>
  </tr>`;
}

function versionSelect(id: string, label: string, name: string, items: HistoryItem[], chosen: number) {
  return html`<div class="field">
    <label for="${id}">${label}</label>
    <select id="${id}" name="${name}">
      ${items.map((i) => html`<option value="${i.version}" ${i.version === chosen ? html`selected` : ''}>v${i.version}</option>`)}
    </select>
  </div>`;
}

function diffBlock(d: { from: number; to: number; text: string }): SafeHtml {
  if (d.text === '') return html`<p role="status">Versions ${d.from} and ${d.to} are the same.</p>`;
  const lines = d.text.split('\n').map((line) => {
    const kind = line.startsWith('+')
      ? 'diff-add'
      : line.startsWith('-')
        ? 'diff-del'
        : line.startsWith('@@')
          ? 'diff-hunk'
          : 'diff-context';
    return html`<span class="${kind}">${line}</span>${NEWLINE}`;
  });
  return html`<pre class="diff" aria-label="Changes from version ${d.from} to ${d.to}">${lines}</pre>`;
}

function historyBody(v: HistoryView): SafeHtml {
  const shown = v.items.slice((v.pageNo - 1) * PER_PAGE, v.pageNo * PER_PAGE);
  const pages = Math.max(1, Math.ceil(v.items.length / PER_PAGE));
  const link = (n: number, text: string) =>
    html`<a href="${templateUrl(v.name, '/history', { locale: v.locale, page: String(n) })}">${text}</a>`;
  const newest = v.items[0]?.version ?? 1;
  return html`<h1>History of ${v.name} (${localeLabel(v.locale)})</h1>
    ${v.restored ? noticeHtml({ kind: 'done', text: 'Restored: the old version is now the newest one, and published.' }) : ''}
    <p><a href="${templateUrl(v.name, '', { locale: v.locale })}">Back to the editor</a></p>
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Saved by</th>
            <th scope="col">When</th>
            <th scope="col">Origin</th>
            <th scope="col">Published</th>
            <th scope="col">${v.canEdit ? 'Restore' : ''}</th>
          </tr>
        </thead>
        <tbody>
          ${shown.map((item) => versionRow(v, item))}
        </tbody>
      </table>
    </div>
    ${
      pages > 1
        ? html`<p>
            Page ${v.pageNo} of ${pages}. ${v.pageNo > 1 ? link(v.pageNo - 1, 'Newer versions') : ''}
            ${v.pageNo < pages ? link(v.pageNo + 1, 'Older versions') : ''}
          </p>`
        : ''
    }
    ${v.canEdit ? '' : html`<p class="muted">You can read the history; an editor or owner can restore a version.</p>`}
    <h2>Compare two versions</h2>
    <form method="get" action="${templateUrl(v.name, '/history')}" class="toolbar">
      <input type="hidden" name="locale" value="${v.locale}" />
      ${versionSelect('diff-from', 'From version', 'from', v.items, v.diff?.from ?? Math.max(1, newest - 1))}
      ${versionSelect('diff-to', 'To version', 'to', v.items, v.diff?.to ?? newest)}
      <button type="submit">Compare</button>
    </form>
    ${v.diff ? diffBlock(v.diff) : ''}`;
}

const Query = z.object({
  page: z.coerce.number().int().positive().default(1),
  from: z.coerce.number().int().positive().optional(),
  to: z.coerce.number().int().positive().optional(),
});

async function showHistory(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply) {
  const name = templateParam(request);
  await requireTemplate(deps.db, name);
  const query = fieldsOf(request.query);
  const locale = localeOf(query.locale);
  const q = parseBody(Query, query);
  const items = await history(deps.db, name, locale);
  const compare =
    q.from !== undefined && q.to !== undefined
      ? { from: q.from, to: q.to, text: await diff(deps.db, name, locale, q.from, q.to) }
      : null;
  const body = historyBody({
    name,
    locale,
    items,
    pageNo: q.page,
    diff: compare,
    canEdit: hasRole(request.staff, 'editor'),
    csrf: request.csrf,
    zone: deps.config.business.timezone,
    restored: query.done === 'restored',
  });
  const title = `History of ${name}`;
  return sendPage(
    reply,
    200,
    page({ title, staff: request.staff, csrf: request.csrf, active: 'templates', body, head: stylesheet() }),
  );
}

const RestoreForm = z.object({ version: z.coerce.number().int().positive() });

export function registerHistory(scope: import('fastify').FastifyInstance, deps: ConsoleDeps): void {
  scope.get('/templates/:name/history', (request, reply) =>
    showHistory(deps, request, reply).catch((error: unknown) => refusal(request, reply, error)),
  );
  scope.post('/templates/:name/restore', { preHandler: requireRole('editor') }, async (request, reply) => {
    try {
      const name = templateParam(request);
      await requireTemplate(deps.db, name);
      const locale = localeOf(bodyField(request, 'locale'));
      const { version } = parseBody(RestoreForm, request.body);
      const staff = staffOf(request);
      const row = await restore(outreachDeps(deps.rt), { name, locale, version, author: staff.email });
      await audit(
        deps.db,
        staff,
        'template.restore',
        name,
        { locale, from: version, version: row.version },
        deps.now(),
      );
      return redirect(reply, templateUrl(name, '/history', { locale, done: 'restored' }));
    } catch (error) {
      return refusal(request, reply, error);
    }
  });
}
