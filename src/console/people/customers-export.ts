/**
 * "Export CSV" on the customers page: every customer the current search matches (not only the
 * first page shown), or every customer, as the CSV `rapport export customers` writes — cells a
 * spreadsheet would run as formulas neutralised — streamed as it is read, so memory stays flat.
 * It is personal data: editors and owners only, and each export is in the staff audit.
 */
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { CustomerSelector } from '../../db/customers.js';
import { AppError, describeError } from '../../errors.js';
import { runExport } from '../../export/export.js';
import { searchOf } from '../data/search.js';
import type { ConsoleDeps } from '../deps.js';
import { requireRole, staffOf } from '../guards.js';
import { csrfField, html, type SafeHtml } from '../layout.js';
import type { ConsolePage } from '../plugin.js';
import { audit } from '../staff.js';
import { field } from './view.js';

type Scope = Parameters<ConsolePage['register']>[0];

/** The export form for the search `q` (editors), or why there is none (viewers). */
export function exportControl(q: string, request: FastifyRequest, mayExport: boolean): SafeHtml {
  if (!mayExport)
    return html`<p class="muted">Editors and owners can export the customer list (it is personal data).</p>`;
  const what =
    q.trim() === '' ? 'every customer' : html`every customer matching “${q}”, not only those shown`;
  return html`<form method="post" action="/console/customers/export" class="toolbar">
    ${csrfField(request.csrf)}
    <input type="hidden" name="q" value="${q}" />
    <button type="submit" class="button-secondary">Export CSV</button>
    <span class="muted">${what}; each export is recorded in the audit log.</span>
  </form>`;
}

/**
 * What the audit keeps of the search: its kind, and a tag's name; never typed text, which may
 * name a person (the audit outlives an erasure).
 */
function auditedScope(q: string): Record<string, unknown> {
  const search = searchOf(q);
  if (search === null) return { scope: 'all' };
  return search.kind === 'tag' ? { scope: 'tag', tag: search.tag } : { scope: 'search' };
}

/** The CSV as a stream fed by the export; a failure cuts the download short and is logged. */
function csvStream(deps: ConsoleDeps, selector: CustomerSelector): Readable {
  const out = new PassThrough();
  const write = async (chunk: string) => {
    if (out.destroyed) throw new AppError('E_EXPORT_CANCELLED', 'the download was cancelled');
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
  };
  runExport(deps.db, 'customers', 'csv', write, { customers: selector }).then(
    (rows) => {
      deps.log.info({ event: 'console.customers_exported', rows }, 'customer list exported');
      out.end();
    },
    (error: unknown) => {
      if (!out.destroyed)
        deps.log.error(
          { event: 'console.export_failed', error: describeError(error) },
          'the customer export stopped',
        );
      out.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  );
  return out;
}

export function registerCustomersExport(scope: Scope, deps: ConsoleDeps): void {
  scope.post('/customers/export', { preHandler: requireRole('editor') }, async (request, reply) => {
    const q = field(request.body, 'q').slice(0, 200);
    const search = searchOf(q);
    const selector: CustomerSelector = search === null ? { kind: 'all' } : { kind: 'search', search };
    await audit(deps.db, staffOf(request), 'customers.export', null, auditedScope(q), deps.now());
    const day = new Date(deps.now()).toISOString().slice(0, 10);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="customers-${day}.csv"`)
      .send(csvStream(deps, selector));
  });
}
