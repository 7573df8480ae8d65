/**
 * The template editor: Subject, HTML and Text tabs in CodeMirror, problems in the gutter and in
 * a list, autosave of the draft, and a live preview as a chosen customer.
 *
 * The page provides (and without JavaScript, this form alone still saves a draft):
 *
 *   <meta name="csrf-token" content="…">
 *   <form id="template-editor" method="post" data-base="/console/templates/birthday/"
 *         data-name="birthday" data-locale="" data-base-version="3">
 *     <textarea name="subject">…</textarea> <textarea name="html">…</textarea>
 *     <textarea name="text">…</textarea> …
 *   </form>
 *
 * JSON endpoints, relative to data-base. Every POST sends `content-type: application/json` and
 * `x-csrf-token` (from the meta tag). A refusal answers `{ "error": { "code", "message" } }`
 * with a 4xx status.
 *
 *   POST check      { name, locale, subject, html, text }
 *                   → { problems: [{ tab: "subject"|"html"|"text", line (1-based, in that tab),
 *                        column?, severity: "error"|"warning", message }] }
 *   POST draft      { name, locale, subject, html, text, baseVersion: number|null }
 *                   → { version, author, savedAt (epoch ms), created }
 *                   409 { error: { code: "E_CONFLICT", message } } when someone saved since
 *   POST preview    { name, locale, subject, html, text, customerId? }
 *                   → { url, subject, customer: { id, email, first_name, last_name }|null,
 *                       event: { id, type, occurredAt }|null, warnings: string[] }
 *                   `url` is a GET route serving the rendered HTML with
 *                   `Content-Security-Policy: sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: https:`;
 *                   it is shown in <iframe sandbox=""> (no scripts, no same origin).
 *   GET  customers?q=TEXT → { customers: [{ id, email, first_name, last_name }] }
 *   POST test-send  { to, name, locale, subject, html, text, customerId? }
 *                   → { subject, to }; 429 E_RATE_LIMITED past the test-send limit
 *
 * An optional `<form id="template-publish">` with a hidden `version` input publishes what is on
 * screen: the editor keeps `version` at the latest saved version and saves unsaved changes first.
 *
 * CodeMirror's styles are mounted in a shadow root per editor, where they are a constructed
 * stylesheet: the console's CSP (style-src 'self') forbids the <style> element it would add
 * to the document.
 */

import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorSelection, type Extension } from '@codemirror/state';
import { EditorView, lineNumbers } from '@codemirror/view';
import { minimalSetup } from 'codemirror';
import { call, debounce, el } from './editor/api.js';
import { emailHtml } from './editor/html-language.js';
import { PreviewPane, type DraftBody } from './editor/preview-pane.js';

type Tab = 'subject' | 'html' | 'text';
const TABS: ReadonlyArray<{ tab: Tab; label: string }> = [
  { tab: 'subject', label: 'Subject' },
  { tab: 'html', label: 'HTML' },
  { tab: 'text', label: 'Text' },
];

interface Problem {
  tab: Tab;
  line: number;
  column?: number;
  severity: 'error' | 'warning';
  message: string;
}

const CHECK_AFTER_MS = 350;
const PREVIEW_AFTER_MS = 800;
const SAVE_AFTER_MS = 2000;

const theme = EditorView.theme({
  '&': { border: '1px solid #b8bcc2', minHeight: '3em', maxHeight: '70vh' },
  '.cm-scroller': { overflow: 'auto', fontFamily: 'ui-monospace, monospace' },
  '&.cm-focused': { outline: '2px solid #2f6fde' },
});

class TemplateEditor {
  private readonly views = new Map<Tab, EditorView>();
  private readonly tabs = new Map<Tab, HTMLButtonElement>();
  private readonly panels = new Map<Tab, HTMLElement>();
  private readonly problemList = el('ul', { class: 'editor-problems', 'aria-label': 'Problems' });
  private readonly status = el('p', { class: 'editor-status', role: 'status' });
  private readonly preview: PreviewPane;
  private baseVersion: number | null;
  private dirty = false;
  private conflict = false;
  private checkSeq = 0;
  private saving: Promise<void> | null = null;
  private readonly publishForm = document.querySelector<HTMLFormElement>('form#template-publish');
  private readonly check = debounce(CHECK_AFTER_MS, () => void this.runCheck());
  private readonly save = debounce(SAVE_AFTER_MS, () => void this.saveNow());
  private readonly refreshPreview = debounce(PREVIEW_AFTER_MS, () => void this.preview.refresh());

  constructor(
    private readonly form: HTMLFormElement,
    private readonly base: string,
  ) {
    const version = form.dataset.baseVersion ?? '';
    this.baseVersion = version === '' ? null : Number(version);
    this.preview = new PreviewPane(base, () => this.body());
    const tablist = el('div', { role: 'tablist', 'aria-label': 'Template parts' });
    const panels = el('div', { class: 'editor-panels' });
    for (const { tab, label } of TABS) {
      const area = form.querySelector<HTMLTextAreaElement>(`textarea[name="${tab}"]`);
      const button = el('button', {
        type: 'button',
        role: 'tab',
        id: `editor-tab-${tab}`,
        'aria-controls': `editor-panel-${tab}`,
        'aria-selected': 'false',
        tabindex: '-1',
      });
      button.textContent = label;
      button.addEventListener('click', () => this.select(tab));
      button.addEventListener('keydown', (e) => this.tabKey(e, tab));
      const panel = el('div', { role: 'tabpanel', id: `editor-panel-${tab}`, 'aria-labelledby': button.id });
      this.views.set(tab, this.mountEditor(panel, tab, area?.value ?? ''));
      tablist.append(button);
      panels.append(panel);
      this.tabs.set(tab, button);
      this.panels.set(tab, panel);
    }
    form.hidden = true;
    form.after(
      el('div', { class: 'template-editor' }, tablist, panels, this.status, this.problemList),
      this.preview.element,
    );
    this.select('html');
    window.addEventListener('pagehide', () => this.save.flush());
    this.publishForm?.addEventListener('submit', (e) => this.beforePublish(e));
    void this.runCheck();
    void this.preview.refresh();
  }

  private mountEditor(panel: HTMLElement, tab: Tab, doc: string): EditorView {
    const shadow = panel.attachShadow({ mode: 'open' });
    const extensions: Extension[] = [
      minimalSetup,
      lineNumbers(),
      lintGutter(),
      EditorView.lineWrapping,
      theme,
      EditorView.contentAttributes.of({
        'aria-label': `${TABS.find((t) => t.tab === tab)?.label} of the template`,
      }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) this.changed();
      }),
    ];
    if (tab === 'html') extensions.push(emailHtml());
    return new EditorView({ doc, extensions, root: shadow, parent: shadow });
  }

  private select(tab: Tab): void {
    for (const [name, button] of this.tabs) {
      const on = name === tab;
      button.setAttribute('aria-selected', String(on));
      button.tabIndex = on ? 0 : -1;
      const panel = this.panels.get(name);
      if (panel) panel.hidden = !on;
    }
  }

  /** Arrow keys, Home and End move between tabs (the WAI-ARIA tabs pattern). */
  private tabKey(e: KeyboardEvent, tab: Tab): void {
    const i = TABS.findIndex((t) => t.tab === tab);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const target = TABS[(next + TABS.length) % TABS.length]?.tab ?? tab;
    this.select(target);
    this.tabs.get(target)?.focus();
  }

  private body(): DraftBody {
    const text = (tab: Tab) => this.views.get(tab)?.state.doc.toString() ?? '';
    return {
      name: this.form.dataset.name ?? '',
      locale: this.form.dataset.locale ?? '',
      subject: text('subject'),
      html: text('html'),
      text: text('text'),
    };
  }

  private changed(): void {
    this.dirty = true;
    if (!this.conflict) this.status.textContent = 'Unsaved changes';
    this.check();
    this.refreshPreview();
    if (!this.conflict) this.save();
  }

  private async runCheck(): Promise<void> {
    const seq = ++this.checkSeq;
    const result = await call<{ problems: Problem[] }>(this.base, 'check', this.body());
    if (seq !== this.checkSeq || !result.ok) return;
    this.showProblems(result.value.problems);
  }

  private showProblems(problems: Problem[]): void {
    for (const { tab, label } of TABS) {
      const view = this.views.get(tab);
      const mine = problems.filter((p) => p.tab === tab);
      if (view)
        view.dispatch(
          setDiagnostics(
            view.state,
            mine.map((p) => diagnostic(view, p)),
          ),
        );
      const button = this.tabs.get(tab);
      if (button) button.textContent = mine.length > 0 ? `${label} (${mine.length})` : label;
    }
    this.problemList.replaceChildren(
      ...problems.map((p) => {
        const where = `${TABS.find((t) => t.tab === p.tab)?.label}, line ${p.line}`;
        const go = el('button', { type: 'button', class: `problem-${p.severity}` }, `${where}: ${p.message}`);
        go.addEventListener('click', () => this.reveal(p));
        return el('li', {}, go);
      }),
    );
  }

  /** Opens the problem's tab with the cursor on its line. */
  private reveal(p: Problem): void {
    const view = this.views.get(p.tab);
    if (!view) return;
    this.select(p.tab);
    const line = view.state.doc.line(Math.min(Math.max(p.line, 1), view.state.doc.lines));
    view.dispatch({ selection: EditorSelection.cursor(line.from), scrollIntoView: true });
    view.focus();
  }

  /** Publishing waits for unsaved changes to be saved, so the version sent is the one on screen. */
  private beforePublish(e: SubmitEvent): void {
    if (!this.dirty && this.saving === null) return;
    e.preventDefault();
    e.stopImmediatePropagation(); // asked to confirm once saved, by the resubmission below
    this.save.cancel();
    void (async () => {
      await this.saveNow();
      if (this.dirty) await this.saveNow();
      if (!this.dirty && !this.conflict) this.publishForm?.requestSubmit(e.submitter);
    })();
  }

  private saveNow(): Promise<void> {
    this.saving ??= this.runSave().finally(() => {
      this.saving = null;
    });
    return this.saving;
  }

  private async runSave(): Promise<void> {
    if (!this.dirty || this.conflict) return;
    this.dirty = false;
    this.status.textContent = 'Saving…';
    const result = await call<{ version: number; savedAt: number }>(this.base, 'draft', {
      ...this.body(),
      baseVersion: this.baseVersion,
    });
    if (result.ok) {
      this.baseVersion = result.value.version;
      const version = this.publishForm?.querySelector<HTMLInputElement>('input[name="version"]');
      if (version) version.value = String(result.value.version);
      this.publishForm?.querySelector('button')?.removeAttribute('disabled');
      const at = new Date(result.value.savedAt).toLocaleTimeString([], {
        hour: '2-digit',
        minute: '2-digit',
      });
      this.status.textContent = this.dirty ? 'Unsaved changes' : `Saved ${at}`;
      return;
    }
    this.dirty = true;
    if (result.error.code === 'E_CONFLICT') {
      // Autosave stops: saving over the other person's version would lose their work.
      this.conflict = true;
      this.status.setAttribute('role', 'alert');
      this.status.textContent = `Not saved: ${result.error.message} Copy your changes, then reload the page.`;
    } else {
      this.status.textContent = `Not saved: ${result.error.message} Retrying when you type again.`;
    }
  }
}

function diagnostic(view: EditorView, p: Problem): Diagnostic {
  const doc = view.state.doc;
  const line = doc.line(Math.min(Math.max(p.line, 1), doc.lines));
  const from = Math.min(line.from + Math.max((p.column ?? 1) - 1, 0), line.to);
  return { from, to: p.column === undefined ? line.to : from, severity: p.severity, message: p.message };
}

const form = document.querySelector<HTMLFormElement>('form#template-editor');
if (form?.dataset.base) new TemplateEditor(form, form.dataset.base);
