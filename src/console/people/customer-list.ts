/** The customers list: a search as the person types, its results bounded. */
import type { SearchResult } from '../data/search.js';
import { html, type SafeHtml } from '../layout.js';

/** At most this many results: the search narrows, it does not page. */
export const SEARCH_LIMIT = 50;

const MATCHED: Readonly<Record<SearchResult['matched'], string>> = {
  id: 'id',
  email: 'email',
  name: 'name',
  tag: 'tag',
};

function results(q: string, hits: SearchResult[]): SafeHtml {
  if (q.trim() === '') {
    return html`<div id="results">
      <p class="muted">Type part of an email, a name, an id, or <kbd>tag:NAME</kbd> for a tag.</p>
    </div>`;
  }
  if (hits.length === 0) return html`<div id="results"><p>No customer matches “${q}”.</p></div>`;
  const more =
    hits.length >= SEARCH_LIMIT
      ? html`<p class="muted">Showing the first ${SEARCH_LIMIT}; type more to narrow the search.</p>`
      : '';
  return html`<div id="results">
    <div class="table-scroll">
      <table>
        <caption class="visually-hidden">
          Customers matching “${q}”
        </caption>
        <thead>
          <tr>
            <th scope="col">Customer</th>
            <th scope="col">Email</th>
            <th scope="col">Tags</th>
            <th scope="col">Matched by</th>
          </tr>
        </thead>
        <tbody>
          ${hits.map(
            (h) =>
              html`<tr>
                <td><a href="/console/customers/${encodeURIComponent(h.id)}">${h.name || h.id}</a></td>
                <td>${h.email}</td>
                <td>${h.tags.map((t) => html`<span class="badge">${t}</span> `)}</td>
                <td>${MATCHED[h.matched]}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${more}
  </div>`;
}

export function customerList(q: string, hits: SearchResult[], notice: SafeHtml | string): SafeHtml {
  return html`<h1>Customers</h1>
    ${notice}
    <form
      method="get"
      action="/console/customers"
      role="search"
      data-autosubmit
      data-autosubmit-target="results"
    >
      <p class="field">
        <label for="customer-search">Search customers</label>
        <input id="customer-search" name="q" type="search" value="${q}" autocomplete="off" autofocus />
      </p>
      <p><button type="submit">Search</button></p>
    </form>
    ${results(q, hits)}`;
}
