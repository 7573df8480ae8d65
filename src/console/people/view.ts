/** Pieces the customers, deliveries and suppressions pages share: times, notices, field reading. */
import type { FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { html, type SafeHtml } from '../layout.js';
import { fieldsOf, queryField } from '../request-fields.js';

/** A moment in the business's zone, with the exact UTC instant on hover. */
export function when(ms: number | null, zone: string): SafeHtml | string {
  if (ms === null) return '—';
  const iso = new Date(ms).toISOString();
  const local = DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm');
  return html`<time datetime="${iso}" title="${iso}">${local}</time>`;
}

export interface Notice {
  kind: 'done' | 'error';
  text: string;
}

export function noticeOf(notice: Notice | undefined): SafeHtml | string {
  if (!notice) return '';
  return notice.kind === 'error'
    ? html`<p role="alert" class="notice notice-error">${notice.text}</p>`
    : html`<p role="status" class="notice notice-success">${notice.text}</p>`;
}

/** The notice a redirect after a change asked for (`?done=tagged`), from a fixed list only. */
export function doneNotice(
  request: FastifyRequest,
  texts: Readonly<Record<string, string>>,
): Notice | undefined {
  const done = queryField(request, 'done');
  const text = typeof done === 'string' ? texts[done] : undefined;
  return text === undefined ? undefined : { kind: 'done', text };
}

/** A text field of a form or query; '' when absent or not text. */
export function field(source: unknown, name: string): string {
  const value = fieldsOf(source)[name];
  return typeof value === 'string' ? value : '';
}

/** Why a viewer sees no buttons. */
export const READ_ONLY = html`<p class="muted">
  You have the viewer role: you can look, not change. Changes need an editor.
</p>`;
