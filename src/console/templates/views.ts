/**
 * The templates pages' markup: the list, the editor (whose form is the no-JavaScript editor and
 * the mount point of editor.js), and pieces the history page shares. Every value is escaped.
 */
import { DateTime } from 'luxon';
import { assetUrl } from '../../http/console-assets.js';
import { html, raw, type SafeHtml } from '../layout.js';
import { csrfField } from '../layout.js';
import type { DraftProblem, TemplateSummary, VariantSummary } from './service.js';

export interface Notice {
  kind: 'done' | 'error';
  text: string;
  /** Lines under the sentence (the errors that refused a publish). */
  details?: readonly string[];
}

/** A moment in the business's zone, with ISO UTC on hover. */
export function when(ms: number, zone: string): SafeHtml {
  const iso = new Date(ms).toISOString();
  const local = DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm ZZZZ');
  return html`<time datetime="${iso}" title="${iso}">${local}</time>`;
}

export function noticeHtml(notice: Notice | undefined): SafeHtml | '' {
  if (!notice) return '';
  const error = notice.kind === 'error';
  return html`<div
    class="notice ${error ? 'notice-error' : 'notice-success'}"
    role="${error ? 'alert' : 'status'}"
  >
    <p>${notice.text}</p>
    ${
      notice.details?.length
        ? html`<ul>
            ${notice.details.map((d) => html`<li>${d}</li>`)}
          </ul>`
        : ''
    }
  </div>`;
}

/** `/console/templates/NAME` plus a query (the locale only when it is not the default). */
export function templateUrl(name: string, suffix = '', query: Record<string, string> = {}): string {
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== ''));
  const search = params.toString();
  return `/console/templates/${encodeURIComponent(name)}${suffix}${search ? `?${search}` : ''}`;
}

export function localeLabel(locale: string): string {
  return locale === '' ? 'default' : locale;
}

/** The stylesheet of the templates pages, for page({ head }). */
export function stylesheet(): SafeHtml {
  return html`<link rel="stylesheet" href="${assetUrl('templates.css')}" />`;
}

function variantItem(name: string, v: VariantSummary, zone: string, editable: boolean): SafeHtml {
  const status = [
    v.published !== null ? `published v${v.published}` : '',
    v.draft !== null ? `draft v${v.draft}` : '',
  ].filter(Boolean);
  const label = localeLabel(v.locale);
  return html`<li>
    ${editable ? html`<a href="${templateUrl(name, '', { locale: v.locale })}">${label}</a>` : label}
    ${status.map((s) => html` <span class="badge">${s}</span>`)}
    <span class="muted">— ${v.lastEditor}, ${when(v.lastEditedAt, zone)}</span>
  </li>`;
}

export function listBody(templates: TemplateSummary[], zone: string, canEdit: boolean): SafeHtml {
  const rows = templates.map((t) => {
    const editable = t.kind === 'template';
    return html`<tr>
      <th scope="row">${editable ? html`<a href="${templateUrl(t.name)}">${t.name}</a>` : t.name}</th>
      <td>${t.kind}</td>
      <td>
        <ul class="variants">
          ${t.variants.map((v) => variantItem(t.name, v, zone, editable))}
        </ul>
      </td>
      <td>${editable ? html`<a href="${templateUrl(t.name, '/history')}">History of ${t.name}</a>` : ''}</td>
    </tr>`;
  });
  return html`<h1>Templates</h1>
    <p>
      ${
        canEdit
          ? 'Open a template to edit its draft, preview it as a real customer, send yourself a test and publish it.'
          : 'You can read templates and their history; an editor or owner can change them.'
      }
      Layouts and partials are changed with <code>rapport templates import</code>.
    </p>
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Language variants (status, last saved by)</th>
            <th scope="col">History</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
    </div>`;
}

export interface EditorView {
  name: string;
  locale: string;
  /** Every variant of the template ('' first). */
  locales: string[];
  content: { subject: string; html: string; text: string };
  /** The version shown (the latest); null for a variant not saved yet. */
  baseVersion: number | null;
  published: number | null;
  /** Who saved the version shown, and when. */
  savedBy: { author: string; at: number } | null;
  problems: DraftProblem[];
  canEdit: boolean;
  csrf: string | null;
  zone: string;
  notice?: Notice;
}

function variantNav(v: EditorView): SafeHtml {
  const links = v.locales.map(
    (l) =>
      html`<li>
        <a
          href="${templateUrl(v.name, '', { locale: l })}"
          ${raw(l === v.locale ? 'aria-current="page"' : '')}
          >${localeLabel(l)}</a
        >
      </li>`,
  );
  const add = v.canEdit
    ? html`<form method="get" action="${templateUrl(v.name)}" class="toolbar">
        <div class="field">
          <label for="new-locale">Add a language variant</label>
          <input id="new-locale" name="locale" required placeholder="fr-CA" maxlength="35" />
        </div>
        <button type="submit" class="button-secondary">Add variant</button>
      </form>`
    : '';
  return html`<nav aria-label="Language variants" class="variant-nav">
    <ul>
      ${links}
    </ul>
    ${add}
  </nav>`;
}

function problemList(problems: DraftProblem[]): SafeHtml {
  if (problems.length === 0) return html`<p class="muted">No problems found in this version.</p>`;
  return html`<ul class="editor-problems" aria-label="Problems of this version">
    ${problems.map((p) => html`<li class="problem-${p.severity}">${p.severity}: ${p.tab}, line ${p.line}: ${p.message}</li>`)}
  </ul>`;
}

function area(id: string, name: string, label: string, value: string, rows: number, readonly: boolean) {
  return html`<div class="field field-wide">
    <label for="${id}">${label}</label>
    <textarea id="${id}" name="${name}" rows="${rows}" spellcheck="false" ${readonly ? raw('readonly') : ''}>
${value}</textarea>
  </div>`;
}

function versionLine(v: EditorView): SafeHtml {
  const shown =
    v.baseVersion === null
      ? html`New language variant <strong>${v.locale}</strong>: it starts as a copy of the default; saving
          creates it.`
      : html`Showing version
        ${v.baseVersion}${v.savedBy ? html`, saved by ${v.savedBy.author} ${when(v.savedBy.at, v.zone)}` : ''}.`;
  const published =
    v.published === null
      ? 'Not published yet.'
      : v.published === v.baseVersion
        ? 'This version is published.'
        : `Version ${v.published} is published; this one is a draft.`;
  return html`<p>
    ${shown} ${published} <a href="${templateUrl(v.name, '/history', { locale: v.locale })}">History</a>
  </p>`;
}

export function editorBody(v: EditorView): SafeHtml {
  const base = templateUrl(v.name, '/');
  const readonly = !v.canEdit;
  const fields = html`${area('tpl-subject', 'subject', 'Subject', v.content.subject, 2, readonly)}
  ${area('tpl-html', 'html', 'HTML', v.content.html, 18, readonly)}
  ${area('tpl-text', 'text', 'Text (empty: derived from the HTML)', v.content.text, 8, readonly)}`;
  const editor = v.canEdit
    ? html`<form
          id="template-editor"
          method="post"
          action="${templateUrl(v.name, '/save')}"
          data-base="${base}"
          data-name="${v.name}"
          data-locale="${v.locale}"
          data-base-version="${v.baseVersion ?? ''}"
        >
          ${csrfField(v.csrf)}
          <input type="hidden" name="locale" value="${v.locale}" />
          <input type="hidden" name="baseVersion" value="${v.baseVersion ?? ''}" />
          ${fields}
          <h2>Problems</h2>
          ${problemList(v.problems)}
          <p class="toolbar">
            <button type="submit" name="action" value="save">Save draft</button>
            <button type="submit" name="action" value="publish" class="button-secondary">
              Save and publish
            </button>
          </p>
        </form>
        <form
          id="template-publish"
          method="post"
          action="${templateUrl(v.name, '/publish')}"
          data-confirm="Publish this version of ${v.name} (${localeLabel(v.locale)})? Automations send it from now on."
          class="editor-publish"
        >
          ${csrfField(v.csrf)}
          <input type="hidden" name="locale" value="${v.locale}" />
          <input type="hidden" name="version" value="${v.baseVersion ?? ''}" />
          <button type="submit" ${raw(v.baseVersion === null ? 'disabled' : '')}>Publish</button>
        </form>`
    : html`<p class="notice">You can read this template; an editor or owner can change and publish it.</p>
        ${fields}
        <h2>Problems</h2>
        ${problemList(v.problems)}`;
  return html`<h1>Template ${v.name}</h1>
    ${noticeHtml(v.notice)} ${variantNav(v)} ${versionLine(v)} ${editor}`;
}
