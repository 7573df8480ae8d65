/**
 * /console/customers: search as you type, one customer's page, and the editor's changes to
 * them — each a CSRF-checked POST, audited, that redirects back with a notice.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { CUSTOMER_COLUMNS } from '../../import/validate-customer.js';
import { addTag, suppress, unsubscribe, updateCustomer } from '../data/actions.js';
import { customerDetail } from '../data/customer.js';
import { erasePerson, exportPerson } from '../data/person.js';
import { findCustomers, type ScanBudgets } from '../data/search.js';
import type { ConsoleDeps } from '../deps.js';
import { hasRole, requireRole, staffOf } from '../guards.js';
import { page } from '../layout.js';
import type { ConsolePage } from '../plugin.js';
import { messagePage, redirect, sendPage } from '../respond.js';
import { audit } from '../staff.js';
import { customerForms, changedFields } from './customer-forms.js';
import { customerList, SEARCH_LIMIT } from './customer-list.js';
import { customerView } from './customer-view.js';
import { exportControl, registerCustomersExport } from './customers-export.js';
import { doneNotice, field, noticeOf, READ_ONLY, type Notice } from './view.js';
import { html } from '../layout.js';

const DONE: Readonly<Record<string, string>> = {
  edited: 'Fields saved.',
  unchanged: 'Nothing changed.',
  tagged: 'Tag added.',
  unsubscribed: 'Unsubscribed from all marketing mail.',
  'already-unsubscribed': 'Already unsubscribed from all marketing mail.',
  suppressed: 'Address suppressed: no more mail goes to it.',
  'already-suppressed': 'The address was already suppressed.',
  erased: 'Customer erased. Their address stays suppressed so it is never mailed again.',
};

/** The changed fields' names, attributes as one: attribute names may say something about the person. */
function auditedFields(changes: Record<string, unknown>): string[] {
  const names = Object.keys(changes).map((k) => (CUSTOMER_COLUMNS.has(k) ? k : 'attributes'));
  return [...new Set(names)];
}

function idOf(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

async function showCustomer(
  deps: ConsoleDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  notice?: Notice,
) {
  let detail;
  try {
    detail = await customerDetail(deps.db, idOf(request));
  } catch (error) {
    if (error instanceof AppError && error.code === 'E_NOT_FOUND')
      return messagePage(request, reply, 404, 'No such customer', html`<p>${error.message}.</p>`);
    throw error;
  }
  const actions = hasRole(request.staff, 'editor') ? customerForms(detail.customer, request.csrf) : READ_ONLY;
  const body = customerView(detail, deps.config.business.timezone, noticeOf(notice), actions);
  const title = detail.customer.first_name ?? detail.customer.id;
  return sendPage(
    reply,
    status,
    page({ title, staff: request.staff, csrf: request.csrf, active: 'customers', body }),
  );
}

type Change = (request: FastifyRequest, id: string) => Promise<string>;

/** Runs one change; a refusal shows the page again with the reason, naming the field. */
async function act(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, change: Change) {
  const id = idOf(request);
  try {
    const done = await change(request, id);
    return redirect(reply, `/console/customers/${encodeURIComponent(id)}?done=${done}`);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const status = error.code === 'E_NOT_FOUND' ? 404 : 400;
    return showCustomer(deps, request, reply, status, { kind: 'error', text: error.message });
  }
}

type Scope = Parameters<ConsolePage['register']>[0];

const editor = { preHandler: requireRole('editor') };
const who = (request: FastifyRequest) => staffOf(request).email;

function auditor(deps: ConsoleDeps) {
  return (request: FastifyRequest, action: string, target: string | null, detail = {}) =>
    audit(deps.db, staffOf(request), action, target, detail, deps.now());
}

/** Edits, tags, unsubscribes and suppressions: each redirects back to the customer's page. */
function registerChanges(scope: Scope, deps: ConsoleDeps): void {
  const log = auditor(deps);
  scope.post('/customers/:id/edit', editor, (request, reply) =>
    act(deps, request, reply, async (_r, id) => {
      const detail = await customerDetail(deps.db, id);
      const changes = changedFields(detail.customer, request.body);
      if (Object.keys(changes).length === 0) return 'unchanged';
      await updateCustomer(deps.db, id, changes, who(request), deps.now());
      await log(request, 'customer.edit', id, { fields: auditedFields(changes) });
      return 'edited';
    }),
  );
  scope.post('/customers/:id/tags', editor, (request, reply) =>
    act(deps, request, reply, async (_r, id) => {
      const tag = field(request.body, 'tag').trim();
      if (tag === '') throw new AppError('E_USAGE', 'tag: write the tag to add');
      await addTag(deps.db, id, tag, who(request), deps.now());
      await log(request, 'customer.tag', id, { tag });
      return 'tagged';
    }),
  );
  scope.post('/customers/:id/unsubscribe', editor, (request, reply) =>
    act(deps, request, reply, async (_r, id) => {
      const changed = await unsubscribe(deps.db, id, who(request), deps.now());
      await log(request, 'customer.unsubscribe', id);
      return changed ? 'unsubscribed' : 'already-unsubscribed';
    }),
  );
  scope.post('/customers/:id/suppress', editor, (request, reply) =>
    act(deps, request, reply, async (_r, id) => {
      const reason = field(request.body, 'reason');
      const added = await suppress(deps.db, id, reason, who(request), deps.now());
      // The reason is kept in the suppression log, which an erasure clears; the audit is never edited.
      await log(request, 'customer.suppress', id);
      return added ? 'suppressed' : 'already-suppressed';
    }),
  );
}

/** Export (a JSON download) and erasure (back to the search). */
function registerDataRights(scope: Scope, deps: ConsoleDeps): void {
  const log = auditor(deps);
  scope.post('/customers/:id/export', editor, async (request, reply) => {
    const id = idOf(request);
    const data = await exportPerson(deps.db, id, deps.now()).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'E_NOT_FOUND') return null;
      throw error;
    });
    if (data === null) return showCustomer(deps, request, reply, 404);
    await log(request, 'customer.export', id);
    const name = `customer-${id.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(JSON.stringify(data, null, 2));
  });
  scope.post('/customers/:id/erase', editor, async (request, reply) => {
    try {
      const reason = field(request.body, 'reason');
      const erased = await erasePerson(deps.db, idOf(request), who(request), reason, deps.now());
      // The audit names only what stays findable anyway: the suppressed address.
      await log(request, 'customer.erase', erased.suppressed);
      return redirect(reply, '/console/customers?done=erased');
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const status = error.code === 'E_NOT_FOUND' ? 404 : 400;
      return showCustomer(deps, request, reply, status, { kind: 'error', text: error.message });
    }
  });
}

/**
 * The customers pages. `budgets` bounds the search's substring scans (rows read); the defaults
 * keep a search fast at a million customers.
 */
export function customersPageWith(options: { budgets?: ScanBudgets } = {}): ConsolePage {
  return {
    name: 'customers',
    register: (scope, deps) => registerCustomers(scope, deps, options.budgets),
  };
}

export const customersPage: ConsolePage = customersPageWith();

function registerCustomers(scope: Scope, deps: ConsoleDeps, budgets: ScanBudgets | undefined): void {
  scope.get('/customers', async (request, reply) => {
    const q = field(request.query, 'q').slice(0, 200);
    const found = await findCustomers(deps.db, q, { limit: SEARCH_LIMIT, ...(budgets ? { budgets } : {}) });
    const exporting = exportControl(q, request, hasRole(request.staff, 'editor'));
    const body = customerList(q, found, noticeOf(doneNotice(request, DONE)), exporting);
    const document = page({
      title: 'Customers',
      staff: request.staff,
      csrf: request.csrf,
      active: 'customers',
      body,
    });
    return sendPage(reply, 200, document);
  });
  scope.get('/customers/:id', (request, reply) =>
    showCustomer(deps, request, reply, 200, doneNotice(request, DONE)),
  );
  registerChanges(scope, deps);
  registerDataRights(scope, deps);
  registerCustomersExport(scope, deps);
}
