/**
 * The dashboard's chart: outcomes per day as stacked bars, drawn on the server as SVG. Colours
 * come from classes in console.css (the CSP forbids style attributes); geometry from
 * presentation attributes. The same numbers are in a table beside it for screen readers.
 */
import type { DayCounts } from './data/dashboard.js';
import { html, type SafeHtml } from './layout.js';

export const SERIES = [
  { key: 'sent', label: 'Sent' },
  { key: 'failed', label: 'Failed' },
  { key: 'suppressed', label: 'Not sent (suppressed)' },
  { key: 'unsubscribed', label: 'Unsubscribed' },
] as const;

const WIDTH = 720;
const HEIGHT = 240;
const LEFT = 48;
const BOTTOM = 24;
const TOP = 8;

/** A round top for the axis (1, 2, 5 × 10^n) so the scale reads easily. */
function niceMax(n: number): number {
  if (n <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (n <= step * power) return step * power;
  return 10 * power;
}

function bar(d: DayCounts, x: number, width: number, scale: (n: number) => number): SafeHtml[] {
  let base = HEIGHT - BOTTOM;
  const rects: SafeHtml[] = [];
  for (const s of SERIES) {
    const h = scale(d[s.key]);
    if (h <= 0) continue;
    base -= h;
    rects.push(
      html`<rect
        class="chart-${s.key}"
        x="${x.toFixed(1)}"
        y="${base.toFixed(1)}"
        width="${width.toFixed(1)}"
        height="${h.toFixed(1)}"
      ></rect>`,
    );
  }
  return rects;
}

/** Stacked bars, one per day; `id` prefixes the title and description ids. */
export function outcomesChart(days: readonly DayCounts[], id: string): SafeHtml {
  const totals = days.map((d) => d.sent + d.failed + d.suppressed + d.unsubscribed);
  const top = niceMax(Math.max(0, ...totals));
  const plot = HEIGHT - BOTTOM - TOP;
  const scale = (n: number) => (n / top) * plot;
  const slot = (WIDTH - LEFT) / Math.max(1, days.length);
  const sum = (key: (typeof SERIES)[number]['key']) => days.reduce((a, d) => a + d[key], 0);
  const first = days[0]?.day ?? '';
  const last = days[days.length - 1]?.day ?? '';
  const description = `${first} to ${last} (UTC days): ${SERIES.map((s) => `${s.label.toLowerCase()} ${sum(s.key)}`).join(', ')}. Daily figures are in the table below.`;
  const labels = days
    .map((d, i) => ({ d, i }))
    .filter(({ i }) => i % 5 === 0 || i === days.length - 1)
    .map(
      ({ d, i }) =>
        html`<text
          class="chart-axis"
          x="${(LEFT + i * slot + slot / 2).toFixed(1)}"
          y="${HEIGHT - 6}"
          text-anchor="middle"
          font-size="11"
          >${d.day.slice(5)}</text
        >`,
    );
  return html`<svg
    class="chart"
    role="img"
    aria-labelledby="${id}-title ${id}-desc"
    viewBox="0 0 ${WIDTH} ${HEIGHT}"
    width="100%"
    preserveAspectRatio="xMidYMid meet"
  >
    <title id="${id}-title">Messages per day, last ${days.length} days</title>
    <desc id="${id}-desc">${description}</desc>
    <line class="chart-grid" x1="${LEFT}" y1="${TOP}" x2="${WIDTH}" y2="${TOP}" stroke-width="1"></line>
    <line
      class="chart-grid"
      x1="${LEFT}"
      y1="${HEIGHT - BOTTOM}"
      x2="${WIDTH}"
      y2="${HEIGHT - BOTTOM}"
      stroke-width="1"
    ></line>
    <text class="chart-axis" x="${LEFT - 6}" y="${TOP + 10}" text-anchor="end" font-size="11">${top}</text>
    <text class="chart-axis" x="${LEFT - 6}" y="${HEIGHT - BOTTOM}" text-anchor="end" font-size="11">0</text>
    ${days.map((d, i) => bar(d, LEFT + i * slot + slot * 0.15, slot * 0.7, scale))} ${labels}
  </svg>`;
}

/** The legend, as a list the chart's colours are keyed to. */
export function chartLegend(): SafeHtml {
  return html`<ul class="chart-legend">
    ${SERIES.map((s) => html`<li><span class="chart-swatch chart-${s.key}" aria-hidden="true"></span>${s.label}</li>`)}
  </ul>`;
}
