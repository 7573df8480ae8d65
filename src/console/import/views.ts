/** The import page's markup: upload form, review (mapping and dry run), progress and report. */
import { COLUMNS } from '../../import/columns.js';
import { attributeName } from '../../import/headers.js';
import type { ColumnMapping } from '../../import/mapping.js';
import type { ImportReport } from '../../import/run.js';
import type { RowError } from '../../import/types.js';
import { csrfField, html, raw, type SafeHtml } from '../layout.js';
import type { Job } from './jobs.js';
import type { Checked, Stopped } from './run.js';
import type { Upload } from './uploads.js';

/** Problems listed on a page; the rest are counted. */
const SHOWN = 20;

const count = (n: number) => n.toLocaleString('en-US');

export function megabytes(bytes: number): string {
  if (bytes < 1_048_576) return `${Math.ceil(bytes / 1024)} KB`;
  return `${Math.round((bytes / 1_048_576) * 10) / 10} MB`;
}

/** The import's CLI words, as the page says them. */
export function pageWords(message: string): string {
  return message
    .replace(/; name the column with --map "[^"]*"/, '; choose the column that holds it in the mapping')
    .replace(/say --date-format (\S+) or --date-format (\S+)/, 'choose $1 or $2 as the date format')
    .replace(/--date-format/g, 'the date format');
}

export function uploadForm(csrf: string | null, maxBytes: number): SafeHtml {
  return html`<form method="post" action="/console/import" enctype="multipart/form-data">
    ${csrfField(csrf)}
    <fieldset>
      <legend>What the file holds</legend>
      <label><input type="radio" name="kind" value="customers" checked /> Customers</label>
      <label><input type="radio" name="kind" value="events" /> Events (purchases, visits…)</label>
    </fieldset>
    <div class="field">
      <label for="import-file">File (.csv, .tsv, .xlsx or .jsonl, at most ${megabytes(maxBytes)})</label>
      <input id="import-file" type="file" name="file" required accept=".csv,.tsv,.xlsx,.jsonl,.ndjson" />
    </div>
    <p class="muted">
      Nothing is imported yet: the next page shows how each column will be read and what would change.
    </p>
    <button type="submit" class="button">Upload and check</button>
  </form>`;
}

function describeFormat(upload: Upload, checked: Checked | undefined): string {
  if (upload.format === 'xlsx') return 'Excel workbook (its first sheet)';
  if (upload.format === 'jsonl') return 'JSON Lines (each key is a field name)';
  const names: Record<string, string> = { ',': 'commas', ';': 'semicolons', '\t': 'tabs' };
  const sep = checked?.delimiter;
  return sep === undefined ? 'CSV' : `CSV, values separated by ${names[sep] ?? JSON.stringify(sep)}`;
}

/** The attribute a column would be kept as: its own name, made distinct from every field. */
function attributeOf(column: ColumnMapping, index: number, known: ReadonlySet<string>): string {
  if (column.target !== null && !known.has(column.target)) return column.target;
  const name = attributeName(column.column) || `column_${index + 1}`;
  return known.has(name) ? `${name}_2` : name;
}

function options(upload: Upload, column: ColumnMapping, index: number): SafeHtml[] {
  const attribute = attributeOf(column, index, COLUMNS[upload.kind].known);
  const selected = column.target ?? '-';
  const choice = (value: string, label: string) =>
    html`<option value="${value}" ${raw(selected === value ? 'selected' : '')}>${label}</option>`;
  return [
    // The columns in the order each kind declares them.
    ...[...COLUMNS[upload.kind].known].map((field) => choice(field, field)),
    choice(attribute, `attribute: ${attribute}`),
    choice('-', '(ignore this column)'),
  ];
}

const HOW: Record<ColumnMapping['how'], string> = {
  recognised: 'recognised',
  attribute: 'kept as an attribute',
  map: 'your choice',
  ignored: 'ignored',
};

function mappingRows(upload: Upload, checked: Checked): SafeHtml[] {
  return (checked.mapping ?? []).map((column, i) => {
    const example = checked.sample?.[column.column];
    return html`<tr>
      <td>
        <strong>${column.column}</strong>
        ${typeof example === 'string' && example !== '' ? html`<br /><span class="muted">${example}</span>` : ''}
      </td>
      <td>
        <label class="visually-hidden" for="col-${i}">Field for column ${column.column}</label>
        <select id="col-${i}" name="col_${i}">
          ${options(upload, column, i)}
        </select>
        <span class="muted">${HOW[column.how]}</span>
      </td>
    </tr>`;
  });
}

function dateControl(upload: Upload, stopped: Stopped | undefined): SafeHtml {
  const dates = stopped?.dates;
  if (dates) {
    const [dayFirst, monthFirst] = dates.choices;
    return html`<div class="field">
      <p>
        Column <strong>${dates.column}</strong> has dates such as <code>${dates.example}</code> that read as
        day/month or month/day. Nothing is imported until you say which this file uses.
      </p>
      <label for="date-format">Date format</label>
      <select id="date-format" name="date_format" required>
        <option value="">Choose…</option>
        <option value="${dayFirst}">Day first: ${dayFirst}</option>
        <option value="${monthFirst}">Month first: ${monthFirst}</option>
      </select>
    </div>`;
  }
  return html`<div class="field">
    <label for="date-format"
      >Date format (optional, e.g. DD.MM.YYYY; empty reads ISO dates and works out the rest)</label
    >
    <input id="date-format" name="date_format" value="${upload.dateFormat ?? ''}" />
  </div>`;
}

function settingsForm(upload: Upload, checked: Checked, csrf: string | null): SafeHtml {
  const table = checked.mapping?.length
    ? html`<div class="table-scroll">
        <table>
          <caption>
            How each column is read
          </caption>
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Imported as</th>
            </tr>
          </thead>
          <tbody>
            ${mappingRows(upload, checked)}
          </tbody>
        </table>
      </div>`
    : '';
  return html`<form method="post" action="/console/import/${upload.id}/settings">
    ${csrfField(csrf)}
    <input type="hidden" name="version" value="${upload.version}" />
    ${table} ${dateControl(upload, checked.stopped)}
    <label>
      <input type="checkbox" name="strict" value="yes" ${raw(upload.strict ? 'checked' : '')} />
      Refuse rows with a bad optional field (otherwise they are imported without it)
    </label>
    <p><button type="submit" class="button-secondary">Check again with these settings</button></p>
  </form>`;
}

function problemTable(caption: string, rows: readonly RowError[], more: number): SafeHtml | string {
  if (rows.length === 0) return '';
  const shown = rows.slice(0, SHOWN);
  const rest = rows.length - shown.length + more;
  return html`<div class="table-scroll">
      <table>
        <caption>
          ${caption}
        </caption>
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Field</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          ${shown.map(
            (e) =>
              html`<tr>
                <td>${e.line}</td>
                <td>${e.field}</td>
                <td>${e.reason}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${rest > 0 ? html`<p class="muted">… and ${count(rest)} more.</p>` : ''}`;
}

/** The counts and the first problems of a dry run or an import. */
function reportBody(report: ImportReport): SafeHtml {
  const card = (label: string, value: number, id: string) =>
    html`<div class="card" id="${id}">
      <p>${label}</p>
      <p class="card-figure">${count(value)}</p>
    </div>`;
  return html`<div class="cards">
      ${card('New', report.inserted, 'count-new')} ${card('Changed', report.updated, 'count-changed')}
      ${card('Unchanged', report.unchanged, 'count-unchanged')}
      ${card('Rejected', report.rejectedCount, 'count-rejected')}
    </div>
    ${
      report.keptUnsubscribed > 0
        ? html`<p>
            ${count(report.keptUnsubscribed)} rows asked to re-subscribe addresses that opted out; left
            unsubscribed.
          </p>`
        : ''
    }
    ${
      report.zonedTimes > 0
        ? html`<p class="muted">
            Times without an offset are read in ${report.zone}: ${count(report.zonedTimes)} values.
          </p>`
        : ''
    }
    ${problemTable('Rejected rows (not imported)', report.rejected, report.errorsOmitted)}
    ${problemTable('Fields left out (the rows are imported without them)', report.warnings, report.warningsOmitted)}`;
}

export function reviewBody(upload: Upload, job: Job, csrf: string | null): SafeHtml {
  const report = job.checked?.report;
  const stopped = job.checked?.stopped ?? job.stopped;
  const confirm =
    report && report.accepted > 0
      ? html`<form method="post" action="/console/import/${upload.id}/confirm">
          ${csrfField(csrf)}
          <input type="hidden" name="version" value="${upload.version}" />
          <button type="submit" class="button">Import ${count(report.accepted)} ${upload.kind}</button>
        </form>`
      : '';
  return html`<h1>Review ${upload.name}</h1>
    <p>
      ${upload.kind === 'customers' ? 'Customers' : 'Events'} · ${describeFormat(upload, job.checked)} ·
      ${megabytes(upload.size)}
    </p>
    ${
      stopped
        ? html`<div class="notice notice-error" role="alert"><p>${pageWords(stopped.message)}</p></div>`
        : ''
    }
    ${
      report
        ? html`<h2>What the import would do</h2>
            <p role="status">Checked ${count(report.read)} rows; nothing has been written yet.</p>
            ${reportBody(report)}`
        : ''
    }
    <h2>Settings</h2>
    ${job.checked ? settingsForm(upload, job.checked, csrf) : ''}
    <div class="toolbar">
      ${confirm}
      <form method="post" action="/console/import/${upload.id}/cancel">
        ${csrfField(csrf)}
        <button type="submit" class="button-secondary">Cancel and delete the file</button>
      </form>
    </div>`;
}

export function progressBody(name: string, job: Job, here: string): SafeHtml {
  const doing = job.phase === 'check' ? 'Checking' : 'Importing';
  const of = job.total === undefined ? '' : ` of ${count(job.total)}`;
  return html`<h1>${doing} ${name}</h1>
    <p role="status">${count(job.read)}${of} rows read so far.</p>
    ${job.total ? html`<progress max="${job.total}" value="${job.read}">${count(job.read)}${of}</progress>` : ''}
    <p class="muted">
      This page refreshes itself; you can leave it and come back (<a href="${here}">refresh now</a>).
    </p>`;
}

export function doneBody(name: string, kind: Upload['kind'], job: Job): SafeHtml {
  const report = job.report;
  return html`<h1>${report ? 'Imported' : 'Not imported'} ${name}</h1>
    ${job.stopped ? html`<div class="notice notice-error" role="alert"><p>${pageWords(job.stopped.message)}</p></div>` : ''}
    ${
      report
        ? html`<p role="status">
              Read ${count(report.read)} rows; imported ${count(report.accepted)} ${kind}.
            </p>
            ${reportBody(report)}`
        : ''
    }
    <p>
      <a href="/console/customers">See the customers</a> · <a href="/console/import">Import another file</a>
    </p>`;
}
