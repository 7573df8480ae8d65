/**
 * The console's HTML: an escaping `html` tagged template (every value is escaped unless wrapped
 * in `raw()` or itself built with `html`), and `page()`, the shell every console page shares.
 */
import { escapeHtml } from '../html.js';
import type { Staff } from './deps.js';
import { assetUrl } from '../http/console-assets.js';

/** Markup that is already safe: the result of `html` or an explicit `raw()`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Marks trusted markup so `html` inserts it as it is. Never pass customer or staff input. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\``: values escaped, arrays joined, null/undefined/false left out. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Sections of the console, in the order of the navigation. */
export type ConsoleSection =
  | 'dashboard'
  | 'customers'
  | 'import'
  | 'deliveries'
  | 'upcoming'
  | 'templates'
  | 'automations'
  | 'broadcasts'
  | 'suppressions'
  | 'users'
  | 'account';

const NAV: ReadonlyArray<{ section: ConsoleSection; label: string; href: string; owners?: true }> = [
  { section: 'dashboard', label: 'Dashboard', href: '/console/' },
  { section: 'customers', label: 'Customers', href: '/console/customers' },
  { section: 'import', label: 'Import', href: '/console/import' },
  { section: 'deliveries', label: 'Deliveries', href: '/console/deliveries' },
  { section: 'upcoming', label: 'Upcoming', href: '/console/upcoming' },
  { section: 'templates', label: 'Templates', href: '/console/templates' },
  { section: 'automations', label: 'Automations', href: '/console/automations' },
  { section: 'broadcasts', label: 'Broadcasts', href: '/console/broadcasts' },
  { section: 'suppressions', label: 'Suppressions', href: '/console/suppressions' },
  { section: 'users', label: 'Users', href: '/console/users', owners: true },
];

export interface PageOptions {
  title: string;
  /** The signed-in person; null on sign-in and error pages (no navigation then). */
  staff: Staff | null;
  /** The session's CSRF token, for the sign-out form and the page's own forms. */
  csrf: string | null;
  active?: ConsoleSection;
  body: SafeHtml;
  /** More built entry points this page loads (`['editor.js']`), after console.js. */
  scripts?: readonly string[];
  /** More markup for <head> (e.g. `<meta name="csrf-token">`). */
  head?: SafeHtml;
}

function nav(staff: Staff, csrf: string | null, active: ConsoleSection | undefined): SafeHtml {
  const links = NAV.filter((item) => !item.owners || staff.role === 'owner').map(
    (item) =>
      html`<li>
        <a href="${item.href}" ${raw(item.section === active ? 'aria-current="page"' : '')}>${item.label}</a>
      </li>`,
  );
  return html`<header class="console-nav">
    <a class="console-brand" href="/console/">Rapport</a>
    <nav aria-label="Console">
      <ul>
        ${links}
      </ul>
    </nav>
    <div class="account">
      <a href="/console/account" ${raw(active === 'account' ? 'aria-current="page"' : '')}>${staff.email}</a>
      (${staff.role})
      <form method="post" action="/console/logout">
        <input type="hidden" name="_csrf" value="${csrf ?? ''}" /><button type="submit">Sign out</button>
      </form>
    </div>
  </header>`;
}

/** A whole HTML document in the console's shell. */
export function page(o: PageOptions): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${o.title} · Rapport</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="${assetUrl('console.css')}" />
        <script type="module" src="${assetUrl('console.js')}"></script>
        ${(o.scripts ?? []).map((name) => html`<script type="module" src="${assetUrl(name)}"></script>`)}
        ${o.head ?? ''}
      </head>
      <body ${o.staff ? raw('class="console"') : ''}>
        ${o.staff ? nav(o.staff, o.csrf, o.active) : ''}
        <main class="console-main">${o.body}</main>
      </body>
    </html> `.value;
}

/** A CSRF field for a form: `html\`<form method="post">${csrfField(token)}…\``. */
export function csrfField(token: string | null): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token ?? ''}" />`;
}
