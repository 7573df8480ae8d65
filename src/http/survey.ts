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
import { findInvitation, recordAnswer, type Invitation, type SurveyDeps } from '../surveys/record.js';
import { parseScore } from '../surveys/scale.js';
import { getResponse } from '../db/surveys.js';
import { readSurveyToken, type SurveyToken } from '../surveys/tokens.js';
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
  const nonce = randomBytes(16).toString('base64');
  const csp = surveyCsp(nonce);
  const opened = await openSurvey(deps, res, tokenText, nonce, csp);
  if (!opened) return;
  const target = { ...opened, csp, action: `/s/${tokenText}` };
  if (req.method !== 'POST') return showForm(deps, req, res, target);
  return takeAnswer(deps, req, res, target);
}

interface Opened {
  ctx: PageContext;
  token: SurveyToken;
  invitation: Invitation;
}

/** The message a link names, and the page context in its customer's language; or the 400/410 page, sent. */
async function openSurvey(
  deps: SurveyHttpDeps,
  res: ServerResponse,
  tokenText: string,
  nonce: string,
  csp: string,
): Promise<Opened | null> {
  const business = deps.config.business;
  const context = (locale: string | null): PageContext => {
    const lang = surveyLanguage(locale, business.locale);
    return { lang, words: surveyWords(lang), business, nonce };
  };
  const fallback = context(null);
  const { words } = fallback;
  const read = readSurveyToken(deps.signingKey, tokenText, deps.now());
  const invitation = 'token' in read ? await findInvitation(deps.db, read.token) : null;
  if (!('token' in read) || !invitation) {
    const expired = 'problem' in read && read.problem === 'expired';
    const page = expired
      ? messagePage(fallback, words.expiredTitle, words.expiredBody)
      : messagePage(fallback, words.invalidTitle, words.invalidBody);
    sendHtml(res, expired ? 410 : 400, page, csp);
    return null;
  }
  const customer = await getCustomer(deps.db.knex, read.token.customerId);
  return { ctx: context(customer?.locale ?? null), token: read.token, invitation };
}

type Target = Opened & { csp: string; action: string };

async function takeAnswer(
  deps: SurveyHttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  t: Target,
): Promise<void> {
  const { ctx, csp, token } = t;
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const form = new URLSearchParams(await readBody(req, 16 * 1024));
  const auto = form.get('source') === 'auto';
  const score = parseScore(token.kind, form.get('score') ?? query.get('score'));
  if (score === null) {
    if (auto) return sendJson(res, 400, { error: 'score: not a score on this survey' });
    const page = surveyFormPage(ctx, {
      kind: token.kind,
      action: t.action,
      selected: null,
      error: ctx.words.chooseScore,
    });
    return sendHtml(res, 400, page, csp);
  }
  const comment = auto ? null : cleanComment(form.get('comment'));
  const result = await recordAnswer(deps, token, t.invitation, {
    score,
    comment,
    source: auto ? 'auto' : 'form',
  });
  if (result.kind === 'locked') {
    if (auto) return sendJson(res, 409, { error: 'this answer can no longer be changed' });
    return sendHtml(res, 409, messagePage(ctx, ctx.words.thanksTitle, ctx.words.lockedBody), csp);
  }
  if (auto) return sendJson(res, 200, { saved: true });
  return sendHtml(res, 200, thanksPage(ctx, deps.config.business.review_url), csp);
}

/** The form with the link's score selected; once the answer can no longer change, a page that says so instead. */
async function showForm(
  deps: SurveyHttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  t: Target,
): Promise<void> {
  const answered = await getResponse(deps.db.knex, t.invitation.id);
  if (answered && deps.now() - answered.first_answered_at > deps.config.surveys.editable) {
    return sendHtml(res, 200, messagePage(t.ctx, t.ctx.words.thanksTitle, t.ctx.words.lockedBody), t.csp);
  }
  const selected = parseScore(
    t.token.kind,
    new URL(req.url ?? '/', 'http://localhost').searchParams.get('score'),
  );
  return sendHtml(res, 200, surveyFormPage(t.ctx, { kind: t.token.kind, action: t.action, selected }), t.csp);
}
