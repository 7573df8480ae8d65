/**
 * The dashboard's workers: each worker's own report from the database (so every console shows
 * the same), an overall verdict in words first, then one row per worker — alive or not, its
 * relay and its circuit breaker.
 */
import type { Dashboard } from './data/dashboard.js';
import { verdict, type WorkerView } from '../health/worker-view.js';
import { html, type SafeHtml } from './layout.js';
import { when, whenText } from './when.js';

const VERDICT_CLASS = { ok: 'notice notice-success', warning: 'notice', trouble: 'notice notice-error' };

const LIVENESS = { alive: 'running', stopped: 'stopped', silent: 'not heard from' } as const;

function heard(v: WorkerView, zone: string): SafeHtml {
  if (v.liveness === 'stopped') return html`stopped ${when(v.row.stopped_at as number, zone)}`;
  if (v.liveness === 'silent')
    return html`<strong>not heard from since ${when(v.row.heartbeat_at, zone)}</strong>`;
  return html`${when(v.row.heartbeat_at, zone)} (every ${v.row.heartbeat_ms / 1000} s)`;
}

function relay(v: WorkerView): SafeHtml | string {
  return v.row.relay === 'ok' ? 'ok' : html`<strong>failing</strong>: ${v.row.relay_error ?? ''}`;
}

function breaker(v: WorkerView, zone: string): SafeHtml | string {
  const { row } = v;
  const since = row.breaker_opened_at === null ? '' : html` since ${when(row.breaker_opened_at, zone)}`;
  if (v.breaker === 'closed') return 'closed (sending)';
  if (v.breaker === 'half-open')
    return html`<strong>half-open</strong>${since}: one message is trying the relay`;
  const next = row.breaker_reopens_at === null ? '' : html`; next try ${when(row.breaker_reopens_at, zone)}`;
  return html`<strong>open</strong> (sending paused)${since}${next}`;
}

function worker(v: WorkerView, zone: string): SafeHtml {
  const { row } = v;
  return html`<h4><code>${row.worker_id}</code>: ${LIVENESS[v.liveness]}</h4>
    <dl class="health">
      <dt>Last heard from</dt>
      <dd>${heard(v, zone)}</dd>
      <dt>Mail relay</dt>
      <dd>${relay(v)}</dd>
      <dt>Circuit breaker</dt>
      <dd>${breaker(v, zone)}</dd>
      <dt>Last planning tick</dt>
      <dd>${row.last_tick_at === null ? 'none yet' : when(row.last_tick_at, zone)}</dd>
      <dt>Sent, last minute</dt>
      <dd>${row.sent_last_minute ?? 'not reported'}</dd>
      <dt>Process</dt>
      <dd>${row.host}, pid ${row.pid}, version ${row.version}, started ${when(row.started_at, zone)}</dd>
    </dl>`;
}

export function workersHealth(h: Dashboard['health'], zone: string): SafeHtml {
  if (h.database !== 'ok')
    return html`<p class="notice notice-error">Cannot read the workers' reports: the database failed.</p>`;
  const said = verdict(h.workers, (ms) => whenText(ms, zone));
  return html`<h3>Workers</h3>
    <p class="${VERDICT_CLASS[said.level]}">${said.text}</p>
    ${h.workers.map((v) => worker(v, zone))}`;
}
