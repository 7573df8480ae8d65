/** The customers list: a search as the person types, its results bounded. */
import type { SearchPage, SearchResult } from '../data/search.js';
import { html, type SafeHtml } from '../layout.js';

/** At most this many results: the search narrows, it does not page. */
export const SEARCH_LIMIT = 50;

const MATCHED: Readonly<Record<SearchResult['matched'], string>> = {
  id: 'id',
  email: 'email',
  name: 'name',
  tag: 'tag',
};

const REFINE = html`refine your search (an exact email, <kbd>tag:NAME</kbd>, or more of the name)`;

/**
 * The results may not be all the matches: the page is full, or a scan stopped at its row budget
 * before reaching every customer. Never imply that what is shown is everything.
 */
function partial(page: SearchPage): boolean {
  return !page.complete || page.results.length >= SEARCH_LIMIT;
}

function results(q: string, found: SearchPage, exporting: SafeHtml): SafeHtml {
  if (q.trim() === '') {
    return html`<div id="results">
      <p class="muted">Type part of an email, a name, an id, or <kbd>tag:NAME</kbd> for a tag.</p>
      ${exporting}
    </div>`;
  }
  const hits = found.results;
  if (hits.length === 0) {
    const none = found.complete
      ? html`<p>No customer matches “${q}”.</p>`
      : html`<p role="status">No match among the customers looked at — ${REFINE}.</p>`;
    return html`<div id="results">${none} ${exporting}</div>`;
  }
  const more = partial(found)
    ? html`<p role="status">
        Showing the first ${hits.length} ${hits.length === 1 ? 'match' : 'matches'} — ${REFINE}.
      </p>`
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
    ${more} ${exporting}
  </div>`;
}

/** The search form and its results; `exporting` (the export form, or why not) goes with the results. */
export function customerList(
  q: string,
  found: SearchPage,
  notice: SafeHtml | string,
  exporting: SafeHtml,
): SafeHtml {
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
    ${results(q, found, exporting)}`;
}
