/**
 * GET /u/TOKEN shows a page and changes nothing (link scanners follow GET links);
 * POST /u/TOKEN records the opt-out: the RFC 8058 one-click body, the page's button, or the
 * preferences form. 200 with a page, never a redirect, no cookie needed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { getCustomer } from '../db/customers.js';
import { ALL_MARKETING, optOutsFor, setConsent, type ConsentChange } from '../db/consent.js';
import { unsubscribeAddress } from '../usecases/unsubscribe.js';
import type { Customer } from '../domain.js';
import { verifyToken, type LinkToken } from '../links/tokens.js';
import type { Logger } from '../log.js';
import { donePage, notFoundPage, preferencesPage, unsubscribePage, type PreferenceChoice } from './pages.js';
import { readBody, sendHtml } from './respond.js';
import { fill, pageText } from './page-text.js';

export interface UnsubscribeDeps {
  db: Database;
  config: Config;
  signingKey: string;
  log: Logger;
  now(): number;
}

async function resolveToken(
  deps: UnsubscribeDeps,
  text: string,
): Promise<{ token: LinkToken; customer: Customer } | null> {
  const token = verifyToken(deps.signingKey, text, deps.now());
  if (!token || (token.s !== 'u' && token.s !== 'p')) return null;
  const customer = await getCustomer(deps.db.knex, token.c);
  return customer ? { token, customer } : null;
}

export async function handleUnsubscribe(
  deps: UnsubscribeDeps,
  req: IncomingMessage,
  res: ServerResponse,
  tokenText: string,
): Promise<void> {
  const business = deps.config.business;
  const found = await resolveToken(deps, tokenText);
  // No customer to ask: the business's own language.
  if (!found) return sendHtml(res, 404, notFoundPage(business, pageText(business.locale)));
  const { token, customer } = found;
  const t = pageText(customer.locale ?? business.locale);
  const action = `/u/${tokenText}`;
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (token.s === 'u') return sendHtml(res, 200, unsubscribePage(business, customer.email, action, t));
    return sendHtml(
      res,
      200,
      preferencesPage(business, customer.email, action, await choices(deps, customer), t),
    );
  }
  const body = await readBody(req, 16 * 1024);
  const isForm = /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '');
  const form = new URLSearchParams(isForm ? body : '');
  // RFC 8058 asks mail clients to POST "List-Unsubscribe=One-Click", preferably as
  // multipart/form-data: a POST to an unsubscribe (`u`) link that is not our page's own form is
  // taken as one-click, whatever its body.
  const oneClick = form.get('List-Unsubscribe') === 'One-Click' || (token.s === 'u' && !isForm);
  const now = deps.now();
  if (oneClick || form.get('scope') === '*') {
    const source = oneClick ? 'one-click' : token.s === 'u' ? 'link' : 'preferences';
    await unsubscribeAddress(deps.db.knex, customer.email, source, now);
    deps.log.info(
      { event: 'consent.unsubscribed', customer: customer.id, scope: ALL_MARKETING, source },
      'unsubscribed',
    );
    return sendHtml(res, 200, donePage(business, fill(t.unsubscribed, { name: business.name }), t));
  }
  if (form.get('scope') === 'choose' && token.s === 'p') {
    await saveChoices(deps, customer, new Set(form.getAll('keep')), now);
    return sendHtml(res, 200, donePage(business, t.saved, t));
  }
  return sendHtml(res, 200, unsubscribePage(business, customer.email, action, t));
}

async function choices(deps: UnsubscribeDeps, customer: Customer): Promise<PreferenceChoice[]> {
  const scopes = (await optOutsFor(deps.db.knex, [customer])).get(customer.id) ?? new Set<string>();
  const all = scopes.has(ALL_MARKETING) || !customer.subscribed;
  return deps.config.automations
    .filter((a) => a.enabled && !a.transactional)
    .map((a) => ({ id: a.id, label: a.label ?? humanize(a.id), subscribed: !all && !scopes.has(a.id) }));
}

/**
 * Opt out of every unticked automation. Nothing ticked is a full unsubscribe (so automations added
 * later do not mail either); ticking one after a full unsubscribe re-subscribes. Boxes that name
 * no automation on the page are ignored.
 */
async function saveChoices(
  deps: UnsubscribeDeps,
  customer: Customer,
  ticked: Set<string>,
  now: number,
): Promise<void> {
  const marketing = deps.config.automations.filter((a) => a.enabled && !a.transactional).map((a) => a.id);
  const keep = marketing.filter((id) => ticked.has(id));
  const changes: ConsentChange[] = marketing.map((id) => ({ scope: id, optedOut: !keep.includes(id) }));
  changes.push({ scope: ALL_MARKETING, optedOut: keep.length === 0 });
  await setConsent(deps.db.knex, customer.email, changes, 'preferences', now);
  deps.log.info({ event: 'consent.preferences', customer: customer.id, keep }, 'preferences saved');
}

function humanize(id: string): string {
  const words = id.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
