/**
 * The survey pages: the rating form (score pre-selected from the link, an optional comment, a
 * Submit button), the thank-you page, and the pages for a bad or expired link. In the
 * customer's language. The form's one script — saving the chosen score once the page has been
 * visible for a few seconds — runs under a per-response nonce and a CSP that allows nothing else.
 */
import { escapeHtml } from '../html.js';
import type { SurveyWords } from '../surveys/i18n.js';
import { fill } from './page-text.js';
import { COMMENT_MAX } from '../surveys/answers.js';
import { scoresOf, type SurveyKind } from '../surveys/scale.js';

/** How long the page must have been visible before it saves the chosen score by itself. */
const AUTO_SAVE_MS = 3000;

export interface PageContext {
  lang: string;
  words: SurveyWords;
  business: { name: string; postal_address?: string | undefined };
  nonce: string;
}

export function surveyCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#222}
fieldset{border:0;padding:0;margin:0 0 1rem}legend{font-weight:600;margin-bottom:.5rem}
.scores{display:flex;flex-wrap:wrap;gap:.4rem}.scores label{display:flex;flex-direction:column;align-items:center;
border:1px solid #888;border-radius:6px;padding:.4rem .6rem;min-width:2.6rem;cursor:pointer}
.scores input:checked+span{font-weight:700;text-decoration:underline}.ends{color:#555;font-size:.9rem}
textarea{width:100%;min-height:6rem;font:inherit;box-sizing:border-box}label.block{display:block;margin:.8rem 0 .3rem}
button{font:inherit;padding:.6rem 1.4rem;border-radius:6px;border:1px solid #222;background:#222;color:#fff;cursor:pointer;margin-top:.8rem}
.small{color:#666;font-size:.85rem}[role=status]{min-height:1.5em;color:#185c2c}.error{color:#a40000}`;

function page(ctx: PageContext, title: string, body: string, script = ''): string {
  const name = escapeHtml(ctx.business.name);
  const address = ctx.business.postal_address
    ? `<p class="small">${escapeHtml(ctx.business.postal_address)}</p>`
    : '';
  return `<!doctype html>
<html lang="${escapeHtml(ctx.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} · ${name}</title>
<style nonce="${ctx.nonce}">${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main><footer><hr><p class="small">${name}</p>${address}</footer>${script}</body></html>`;
}

export interface FormPage {
  kind: SurveyKind;
  action: string;
  selected: number | null;
  error?: string;
}

export function surveyFormPage(ctx: PageContext, form: FormPage): string {
  const w = ctx.words;
  const question = fill(escapeHtml(form.kind === 'csat' ? w.csatQuestion : w.npsQuestion), {
    business: escapeHtml(ctx.business.name),
  });
  const options = scoresOf(form.kind)
    .map((score) => {
      const label = form.kind === 'csat' ? w.csatLabels[score - 1] : undefined;
      const checked = score === form.selected ? ' checked' : '';
      const aria = label ? ` aria-label="${escapeHtml(`${score}: ${label}`)}"` : '';
      return `<label><input type="radio" name="score" value="${score}"${checked}${aria}><span>${score}</span></label>`;
    })
    .join('');
  const ends =
    form.kind === 'csat' ? `1 = ${w.csatLabels[0]} · 5 = ${w.csatLabels[4]}` : `${w.npsLow} · ${w.npsHigh}`;
  const error = form.error ? `<p class="error" role="alert">${escapeHtml(form.error)}</p>` : '';
  const body = `<p>${question}</p>${error}
<form id="survey" method="post" action="${escapeHtml(form.action)}">
<fieldset><legend>${escapeHtml(w.legend)}</legend><div class="scores">${options}</div>
<p class="ends">${escapeHtml(ends)}</p></fieldset>
<label class="block" for="comment">${escapeHtml(w.comment)}</label>
<textarea id="comment" name="comment" maxlength="${COMMENT_MAX}"></textarea>
<p id="status" role="status" aria-live="polite"></p>
<button type="submit">${escapeHtml(w.submit)}</button></form>`;
  return page(ctx, w.title, body, autoSaveScript(ctx.nonce, w.autosaved));
}

/**
 * Saves the chosen score once the page has been visible for AUTO_SAVE_MS in all (a tab opened
 * in the background waits), once per page. Submitting the form first makes it unnecessary.
 */
function autoSaveScript(nonce: string, savedText: string): string {
  // JSON inside a script: "<" escaped so that no text can close the script element.
  const saved = JSON.stringify(savedText).replace(/</g, '\\u003c');
  return `<script nonce="${nonce}">(function(){
var form=document.getElementById('survey'),status=document.getElementById('status');
var done=false,timer=null,left=${AUTO_SAVE_MS},since=0;
function save(){if(done)return;var c=form.querySelector('input[name=score]:checked');if(!c)return;done=true;
var body=new URLSearchParams();body.set('score',c.value);body.set('source','auto');
fetch(form.getAttribute('action'),{method:'POST',body:body,credentials:'same-origin'}).then(function(r){if(r.ok)status.textContent=${saved};});}
function arm(){if(done)return;if(document.visibilityState==='visible'){if(!timer){since=Date.now();timer=setTimeout(save,left);}}
else if(timer){clearTimeout(timer);timer=null;left=Math.max(0,left-(Date.now()-since));}}
document.addEventListener('visibilitychange',arm);form.addEventListener('submit',function(){done=true;if(timer)clearTimeout(timer);});arm();})();</script>`;
}

/** After any answer, the same page for every score: the review link (when configured) is offered to all alike. */
export function thanksPage(ctx: PageContext, reviewUrl: string | undefined): string {
  const w = ctx.words;
  const review = reviewUrl
    ? `<p>${escapeHtml(w.reviewAsk)}</p><p><a href="${escapeHtml(reviewUrl)}" rel="noopener noreferrer">${escapeHtml(w.reviewLink)}</a></p>`
    : '';
  return page(
    ctx,
    w.thanksTitle,
    `<p>${escapeHtml(w.thanksBody)}</p>${review}<p class="small">${escapeHtml(w.editNote)}</p>`,
  );
}

export function messagePage(ctx: PageContext, title: string, text: string): string {
  return page(ctx, title, `<p>${escapeHtml(text)}</p>`);
}
