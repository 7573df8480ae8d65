/** The few HTML pages customers see: unsubscribe and preferences. Plain, readable, no scripts. */
import { escapeHtml } from './respond.js';

export interface PageBusiness {
  name: string;
  postal_address?: string | undefined;
}

function page(business: PageBusiness, title: string, body: string): string {
  const name = escapeHtml(business.name);
  const address = business.postal_address ? `<p class="small">${escapeHtml(business.postal_address)}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} · ${name}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}
button{font:inherit;padding:.6rem 1.2rem;border-radius:6px;border:1px solid #555;background:#222;color:#fff;cursor:pointer}
label{display:block;margin:.4rem 0}.small{color:#666;font-size:.85rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}<hr><p class="small">${name}</p>${address}</body></html>`;
}

export function unsubscribePage(business: PageBusiness, email: string, action: string): string {
  return page(
    business,
    'Unsubscribe',
    `<p>Stop ${escapeHtml(business.name)}'s newsletters and greetings to <strong>${escapeHtml(email)}</strong>?</p>
<p class="small">Receipts and messages about your orders will still reach you.</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="scope" value="*">
<button type="submit">Unsubscribe</button></form>`,
  );
}

export interface PreferenceChoice {
  id: string;
  label: string;
  subscribed: boolean;
}

export function preferencesPage(business: PageBusiness, email: string, action: string, choices: PreferenceChoice[]): string {
  const boxes = choices
    .map(
      (c) =>
        `<label><input type="checkbox" name="keep" value="${escapeHtml(c.id)}"${c.subscribed ? ' checked' : ''}> ${escapeHtml(c.label)}</label>`,
    )
    .join('\n');
  return page(
    business,
    'Email preferences',
    `<p>Choose what ${escapeHtml(business.name)} sends to <strong>${escapeHtml(email)}</strong>.</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="scope" value="choose">${boxes}
<p><button type="submit">Save my choices</button></p></form>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="scope" value="*">
<button type="submit">Unsubscribe from everything</button></form>`,
  );
}

export function donePage(business: PageBusiness, message: string): string {
  return page(business, 'Done', `<p>${escapeHtml(message)}</p>`);
}

export function notFoundPage(business: PageBusiness): string {
  return page(business, 'Link not valid', '<p>This link is not valid or has expired. Please use the link in a recent email.</p>');
}
