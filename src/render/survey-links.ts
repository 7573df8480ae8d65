/**
 * What `{{survey "csat"}}` writes into a message: one link per score, `BASE?score=N`, and a
 * line saying what the ends of the scale mean, in the customer's language. Buttons are plain
 * links with inline styles, which every mail app shows.
 */
import { escapeHtml } from '../html.js';
import { surveyLanguage, surveyWords } from '../surveys/i18n.js';
import { scoreLinks } from '../surveys/tokens.js';
import type { SurveyKind } from '../surveys/scale.js';

const BUTTON =
  'display:inline-block; min-width:34px; padding:8px 0; text-align:center; border:1px solid #3b2f2a; ' +
  'border-radius:4px; color:#3b2f2a; text-decoration:none; font-weight:bold;';

function ends(kind: SurveyKind, locale: string): { low: string; high: string; labels: string[] } {
  const words = surveyWords(surveyLanguage(locale));
  if (kind === 'nps') return { low: words.npsLow, high: words.npsHigh, labels: [] };
  const [first, , , , last] = words.csatLabels;
  return { low: `1 = ${first}`, high: `5 = ${last}`, labels: [...words.csatLabels] };
}

export function surveyLinksHtml(base: string, kind: SurveyKind, locale: string): string {
  const { low, high, labels } = ends(kind, locale);
  const cells = scoreLinks(base, kind)
    .map(({ score, url }) => {
      const label = labels[score - 1];
      const title = label ? ` title="${escapeHtml(`${score}: ${label}`)}"` : '';
      return `<td style="padding:0 4px 4px 0;"><a href="${escapeHtml(url)}"${title} style="${BUTTON}">${score}</a></td>`;
    })
    .join('');
  return (
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 4px 0;"><tr>${cells}</tr></table>` +
    `<p style="margin:0 0 16px 0; font-size:13px; color:#666666;">${escapeHtml(low)} · ${escapeHtml(high)}</p>`
  );
}

export function surveyLinksText(base: string, kind: SurveyKind, locale: string): string {
  const { low, high } = ends(kind, locale);
  const lines = scoreLinks(base, kind).map(({ score, url }) => `${score}: ${url}`);
  return [`(${low}, ${high})`, ...lines].join('\n');
}
