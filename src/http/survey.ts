/**
 * `GET|HEAD /s/TOKEN?score=N` shows the rating page and records nothing: mail scanners and
 * prefetchers follow every link. `POST /s/TOKEN` records the answer — the page's Submit
 * button, or its script once the page has been seen (`source=auto`, answered in JSON).
 * A tampered link gets 400, an expired one 410, and neither records anything.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getCustomer } from '../db/customers.js';
import { surveyLanguage, surveyWords } from '../surveys/i18n.js';
import { cleanComment } from '../surveys/answers.js';
import { findInvitation, recordAnswer, type SurveyDeps } from '../surveys/record.js';
import { parseScore, type SurveyKind } from '../surveys/scale.js';
import { getResponse } from '../db/surveys.js';
import { readSurveyToken } from '../surveys/tokens.js';
import { readBody, sendHtml, sendJson } from './respond.js';
import { messagePage, surveyCsp, surveyFormPage, thanksPage, type PageContext } from './survey-page.js';

export interface SurveyHttpDeps extends SurveyDeps {
  signingKey: string;
}

export async function handleSurvey(
  deps: SurveyHttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  tokenText: string,
): Promise<void> {
  const business = deps.config.business;
  const nonce = randomBytes(16).toString('base64');
  const csp = surveyCsp(nonce);
  const context = (locale: string | null): PageContext => {
    const lang = surveyLanguage(locale, business.locale);
    return { lang, words: surveyWords(lang), business, nonce };
  };
  const fallback = context(null);
  const read = readSurveyToken(deps.signingKey, tokenText, deps.now());
  if ('problem' in read) {
    const { words } = fallback;
    return read.problem === 'expired'
      ? sendHtml(res, 410, messagePage(fallback, words.expiredTitle, words.expiredBody), csp)
      : sendHtml(res, 400, messagePage(fallback, words.invalidTitle, words.invalidBody), csp);
  }
  const { token } = read;
  const invitation = await findInvitation(deps.db, token);
  if (!invitation)
    return sendHtml(
      res,
      400,
      messagePage(fallback, fallback.words.invalidTitle, fallback.words.invalidBody),
      csp,
    );
  const customer = await getCustomer(deps.db.knex, token.customerId);
  const ctx = context(customer?.locale ?? null);
  const action = `/s/${tokenText}`;
  if (req.method !== 'POST')
    return showForm(deps, req, res, { ctx, csp, kind: token.kind, action, deliveryId: invitation.id });
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const form = new URLSearchParams(await readBody(req, 16 * 1024));
  const auto = form.get('source') === 'auto';
  const score = parseScore(token.kind, form.get('score') ?? query.get('score'));
  if (score === null) {
    if (auto) return sendJson(res, 400, { error: 'score: not a score on this survey' });
    const page = surveyFormPage(ctx, {
      kind: token.kind,
      action,
      selected: null,
      error: ctx.words.chooseScore,
    });
    return sendHtml(res, 400, page, csp);
  }
  const comment = auto ? null : cleanComment(form.get('comment'));
  const result = await recordAnswer(deps, token, invitation, {
    score,
    comment,
    source: auto ? 'auto' : 'form',
  });
  if (result.kind === 'locked') {
    if (auto) return sendJson(res, 409, { error: 'this answer can no longer be changed' });
    return sendHtml(res, 409, messagePage(ctx, ctx.words.thanksTitle, ctx.words.lockedBody), csp);
  }
  if (auto) return sendJson(res, 200, { saved: true });
  return sendHtml(res, 200, thanksPage(ctx, business.review_url), csp);
}

interface FormTarget {
  ctx: PageContext;
  csp: string;
  kind: SurveyKind;
  action: string;
  deliveryId: number;
}

/** The form with the link's score selected; once the answer can no longer change, a page that says so instead. */
async function showForm(
  deps: SurveyHttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  t: FormTarget,
): Promise<void> {
  const answered = await getResponse(deps.db.knex, t.deliveryId);
  if (answered && deps.now() - answered.first_answered_at > deps.config.surveys.editable) {
    return sendHtml(res, 200, messagePage(t.ctx, t.ctx.words.thanksTitle, t.ctx.words.lockedBody), t.csp);
  }
  const selected = parseScore(t.kind, new URL(req.url ?? '/', 'http://localhost').searchParams.get('score'));
  return sendHtml(res, 200, surveyFormPage(t.ctx, { kind: t.kind, action: t.action, selected }), t.csp);
}
