/** The few HTML pages customers see: unsubscribe and preferences. Plain, readable, no scripts. */
import { escapeHtml } from './respond.js';
import { fill, pageText, type PageText } from './page-text.js';

const ENGLISH = pageText('en');

export interface PageBusiness {
  name: string;
  postal_address?: string | undefined;
}

function page(business: PageBusiness, title: string, body: string, t: PageText = ENGLISH): string {
  const name = escapeHtml(business.name);
  const address = business.postal_address
    ? `<p class="small">${escapeHtml(business.postal_address)}</p>`
    : '';
  return `<!doctype html>
<html lang="${t.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} · ${name}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}
button{font:inherit;padding:.6rem 1.2rem;border-radius:6px;border:1px solid #555;background:#222;color:#fff;cursor:pointer}
label{display:block;margin:.4rem 0}.small{color:#666;font-size:.85rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}<hr><p class="small">${name}</p>${address}</body></html>`;
}

export function unsubscribePage(
  business: PageBusiness,
  email: string,
  action: string,
  t: PageText = ENGLISH,
): string {
  const who = { name: escapeHtml(business.name), email: escapeHtml(email) };
  return page(
    business,
    t.unsubscribeTitle,
    `<p>${fill(t.unsubscribeQuestion, who)}</p>
<p class="small">${t.unsubscribeNote}</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="scope" value="*">
<button type="submit">${t.unsubscribeButton}</button></form>`,
    t,
  );
}

export interface PreferenceChoice {
  id: string;
  label: string;
  subscribed: boolean;
}

export function preferencesPage(
  business: PageBusiness,
  email: string,
  action: string,
  choices: PreferenceChoice[],
  t: PageText = ENGLISH,
): string {
  const boxes = choices
    .map(
      (c) =>
        `<label><input type="checkbox" name="keep" value="${escapeHtml(c.id)}"${c.subscribed ? ' checked' : ''}> ${escapeHtml(c.label)}</label>`,
    )
    .join('\n');
  const who = { name: escapeHtml(business.name), email: escapeHtml(email) };
  return page(
    business,
    t.preferencesTitle,
    `<p>${fill(t.preferencesIntro, who)}</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="scope" value="choose">${boxes}
<p><button type="submit">${t.saveButton}</button></p></form>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="scope" value="*">
<button type="submit">${t.unsubscribeAllButton}</button></form>`,
    t,
  );
}

export function donePage(business: PageBusiness, message: string, t: PageText = ENGLISH): string {
  return page(business, t.doneTitle, `<p>${escapeHtml(message)}</p>`, t);
}

export function notFoundPage(business: PageBusiness, t: PageText = ENGLISH): string {
  return page(business, t.notFoundTitle, `<p>${t.notFound}</p>`, t);
}
