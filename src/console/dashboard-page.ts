/**
 * The dashboard, the console's front page: outcomes per day for the last 30 days (a chart and
 * the same numbers as a table), per automation, what is queued for the next 24 hours, and health
 * as the database records it. It only reads.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { dashboard, type Dashboard } from './data/dashboard.js';
import type { ConsoleDeps } from './deps.js';
import { chartLegend, outcomesChart, SERIES } from './chart.js';
import { html, page, type SafeHtml } from './layout.js';
import type { ConsolePage } from './plugin.js';
import { sendPage } from './respond.js';
import { when } from './when.js';
import { workersHealth } from './worker-health.js';

const num = (n: number) => n.toLocaleString('en-US');

function cards(board: Dashboard): SafeHtml {
  const total = (key: (typeof SERIES)[number]['key']) => board.days.reduce((a, d) => a + d[key], 0);
  const card = (label: string, value: number) =>
    html`<div class="card">
      <p class="muted">${label}</p>
      <p class="card-figure">${num(value)}</p>
    </div>`;
  return html`<div class="cards">
    ${card('Sent, 30 days', total('sent'))} ${card('Failed, 30 days', total('failed'))}
    ${card('Not sent (suppressed), 30 days', total('suppressed'))}
    ${card('Unsubscribed, 30 days', total('unsubscribed'))}
    ${card('Queued, next 24 h', board.queued_next_24h.total)}
  </div>`;
}

function dailyTable(board: Dashboard): SafeHtml {
  return html`<details>
    <summary>The numbers per day</summary>
    <div class="table-scroll">
      <table>
        <caption class="visually-hidden">
          Messages per day (UTC), last 30 days
        </caption>
        <thead>
          <tr>
            <th scope="col">Day (UTC)</th>
            ${SERIES.map((s) => html`<th scope="col" class="number">${s.label}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${[...board.days].reverse().map(
            (d) =>
              html`<tr>
                <th scope="row">${d.day}</th>
                ${SERIES.map((s) => html`<td class="number">${num(d[s.key])}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </details>`;
}

function automationsTable(board: Dashboard): SafeHtml {
  const queued = new Map(board.queued_next_24h.by_automation.map((q) => [q.automation, q.n]));
  const names = [...new Set([...board.automations.map((a) => a.automation), ...queued.keys()])].sort();
  if (names.length === 0)
    return html`<p class="muted">Nothing sent, failed or queued in the last 30 days.</p>`;
  const of = new Map(board.automations.map((a) => [a.automation, a]));
  return html`<div class="table-scroll">
    <table>
      <thead>
        <tr>
          <th scope="col">Automation</th>
          <th scope="col" class="number">Sent, 30 days</th>
          <th scope="col" class="number">Failed</th>
          <th scope="col" class="number">Not sent (suppressed)</th>
          <th scope="col" class="number">Queued, next 24 h</th>
        </tr>
      </thead>
      <tbody>
        ${names.map((name) => {
          const a = of.get(name);
          return html`<tr>
            <th scope="row">${name}</th>
            <td class="number">${num(a?.sent ?? 0)}</td>
            <td class="number">${num(a?.failed ?? 0)}</td>
            <td class="number">${num(a?.suppressed ?? 0)}</td>
            <td class="number">${num(queued.get(name) ?? 0)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}

function health(board: Dashboard, zone: string): SafeHtml {
  const h = board.health;
  return html`<dl class="health">
      <dt>Database</dt>
      <dd>${h.database === 'ok' ? 'ok' : html`<span class="notice-error">${h.database}</span>`}</dd>
      <dt>Last planning tick</dt>
      <dd>${h.last_tick === null ? 'never: no worker has planned yet' : when(h.last_tick, zone)}</dd>
      <dt>Due now, not yet sent</dt>
      <dd>${num(h.due_now)}${h.due_now > 0 ? ' (a backlog if it stays high)' : ''}</dd>
    </dl>
    ${workersHealth(h, zone)}`;
}

async function render(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply) {
  const board = await dashboard(deps.db, deps.now());
  const zone = deps.config.business.timezone;
  const body = html`<h1>Dashboard</h1>
    ${cards(board)}
    <h2>Last 30 days</h2>
    <figure class="chart-figure">${outcomesChart(board.days, 'outcomes')} ${chartLegend()}</figure>
    ${dailyTable(board)}
    <h2>By automation</h2>
    ${automationsTable(board)}
    <h2>Health</h2>
    ${health(board, zone)}
    <p class="muted">Days are UTC days; times are in ${zone} (hover for UTC).</p>`;
  return sendPage(
    reply,
    200,
    page({ title: 'Dashboard', staff: request.staff, csrf: request.csrf, active: 'dashboard', body }),
  );
}

export const dashboardPage: ConsolePage = {
  name: 'dashboard',
  register(scope, deps) {
    scope.get('/', (request, reply) => render(deps, request, reply));
  },
};
