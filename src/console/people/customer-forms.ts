/**
 * The editor's forms on a customer's page, and reading the edit form back into the changed
 * fields only (merge semantics: what is not changed stays as it is).
 */
import type { Customer } from '../../domain.js';
import { CUSTOMER_COLUMNS } from '../../import/validate-customer.js';
import { AppError } from '../../errors.js';
import { csrfField, html, type SafeHtml } from '../layout.js';
import { field } from './view.js';

const EDITABLE = [
  ['first_name', 'First name'],
  ['last_name', 'Last name'],
  ['birthday', 'Birthday (YYYY-MM-DD or MM-DD)'],
  ['timezone', 'Time zone (e.g. Europe/Paris)'],
  ['locale', 'Locale (e.g. fr-FR)'],
  ['country', 'Country (two letters)'],
  ['region', 'Region'],
  ['customer_since', 'Customer since (YYYY-MM-DD)'],
] as const;

/** The fields the form changed: an emptied field becomes null (cleared), attributes merge by key. */
export function changedFields(c: Customer, body: unknown): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const [key] of EDITABLE) {
    const value = field(body, key).trim();
    if (value !== (c[key] ?? '')) changes[key] = value === '' ? null : value;
  }
  const lines = field(body, 'attributes').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const at = line.indexOf('=');
    const key = at < 0 ? '' : line.slice(0, at).trim();
    if (key === '')
      throw new AppError('E_USAGE', `attributes, line ${i + 1}: write name=value (got "${line.trim()}")`);
    if (CUSTOMER_COLUMNS.has(key.toLowerCase()))
      throw new AppError('E_USAGE', `attributes, line ${i + 1}: "${key}" is a field, not an attribute`);
    const value = line.slice(at + 1).trim();
    if (value !== c.attributes[key]) changes[key] = value;
  });
  return changes;
}

function editForm(c: Customer, base: string, csrf: string | null): SafeHtml {
  return html`<h3>Edit fields</h3>
    <form method="post" action="${base}/edit">
      ${csrfField(csrf)}
      ${EDITABLE.map(
        ([key, label]) =>
          html`<p class="field">
            <label for="edit-${key}">${label}</label>
            <input id="edit-${key}" name="${key}" type="text" value="${c[key] ?? ''}" />
          </p>`,
      )}
      <p class="field">
        <label for="edit-attributes">Attributes to add or change, one name=value a line</label>
        <textarea id="edit-attributes" name="attributes" rows="3"></textarea>
      </p>
      <p><button type="submit">Save fields</button></p>
    </form>`;
}

function smallForms(base: string, csrf: string | null): SafeHtml {
  return html`<h3>Tag</h3>
    <form method="post" action="${base}/tags" class="toolbar">
      ${csrfField(csrf)}
      <p class="field">
        <label for="new-tag">Tag to add</label> <input id="new-tag" name="tag" type="text" required />
      </p>
      <p><button type="submit">Add tag</button></p>
    </form>
    <h3>Stop mail</h3>
    <form
      method="post"
      action="${base}/unsubscribe"
      data-confirm="Unsubscribe this customer from all marketing mail?"
    >
      ${csrfField(csrf)}
      <p><button type="submit" class="button-secondary">Unsubscribe from marketing mail</button></p>
    </form>
    <form method="post" action="${base}/suppress" data-confirm="Stop all mail to this address?">
      ${csrfField(csrf)}
      <p class="field">
        <label for="suppress-reason">Reason for suppressing</label>
        <input id="suppress-reason" name="reason" type="text" required />
      </p>
      <p><button type="submit" class="button-danger">Suppress address</button></p>
    </form>`;
}

function dataRights(base: string, csrf: string | null): SafeHtml {
  return html`<h3>Data rights</h3>
    <form method="post" action="${base}/export">
      ${csrfField(csrf)}
      <p><button type="submit" class="button-secondary">Export JSON</button></p>
    </form>
    <form
      method="post"
      action="${base}/erase"
      data-confirm="Erase everything stored about this customer? Only the suppression of their address stays. This cannot be undone."
      data-confirm-label="Erase"
    >
      ${csrfField(csrf)}
      <p class="field">
        <label for="erase-reason">Reason for erasing</label>
        <input id="erase-reason" name="reason" type="text" required />
      </p>
      <p><button type="submit" class="button-danger">Erase customer</button></p>
    </form>`;
}

export function customerForms(c: Customer, csrf: string | null): SafeHtml {
  const base = `/console/customers/${encodeURIComponent(c.id)}`;
  return html`${editForm(c, base, csrf)} ${smallForms(base, csrf)} ${dataRights(base, csrf)}`;
}
