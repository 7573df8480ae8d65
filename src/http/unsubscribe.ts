/**
 * GET /u/TOKEN shows a page and changes nothing (link scanners follow GET links);
 * POST /u/TOKEN records the opt-out: the RFC 8058 one-click body, the page's button, or the
 * preferences form. 200 with a page, never a redirect, no cookie needed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { getCustomer } from '../db/customers.js';
import { ALL_MARKETING, optOutsFor, recordOptOut, removeOptOut } from '../db/consent.js';
import type { Customer } from '../domain.js';
import { verifyToken, type LinkToken } from '../links/tokens.js';
import type { Logger } from '../log.js';
import { donePage, notFoundPage, preferencesPage, unsubscribePage, type PreferenceChoice } from './pages.js';
import { readBody, sendHtml } from './respond.js';

export interface UnsubscribeDeps {
  db: Database;
  config: Config;
  signingKey: string;
  log: Logger;
  now(): number;
}

async function resolveToken(deps: UnsubscribeDeps, text: string): Promise<{ token: LinkToken; customer: Customer } | null> {
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
  if (!found) return sendHtml(res, 404, notFoundPage(business));
  const { token, customer } = found;
  const action = `/u/${tokenText}`;
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (token.s === 'u') return sendHtml(res, 200, unsubscribePage(business, customer.email, action));
    return sendHtml(res, 200, preferencesPage(business, customer.email, action, await choices(deps, customer)));
  }
  const form = new URLSearchParams(await readBody(req, 16 * 1024));
  const oneClick = form.get('List-Unsubscribe') === 'One-Click';
  const now = deps.now();
  if (oneClick || form.get('scope') === '*') {
    const source = oneClick ? 'one-click' : token.s === 'u' ? 'link' : 'preferences';
    await recordOptOut(deps.db.knex, { customerId: customer.id, email: customer.email, scope: ALL_MARKETING, source }, now);
    deps.log.info({ event: 'consent.unsubscribed', customer: customer.id, scope: ALL_MARKETING, source }, 'unsubscribed');
    return sendHtml(res, 200, donePage(business, `You are unsubscribed. ${business.name} will not send you newsletters or greetings any more.`));
  }
  if (form.get('scope') === 'choose' && token.s === 'p') {
    await saveChoices(deps, customer, new Set(form.getAll('keep')), now);
    return sendHtml(res, 200, donePage(business, 'Your choices are saved.'));
  }
  return sendHtml(res, 200, unsubscribePage(business, customer.email, action));
}

async function choices(deps: UnsubscribeDeps, customer: Customer): Promise<PreferenceChoice[]> {
  const scopes = (await optOutsFor(deps.db.knex, [customer.id])).get(customer.id) ?? new Set<string>();
  const all = scopes.has(ALL_MARKETING) || !customer.subscribed;
  return deps.config.automations
    .filter((a) => a.enabled && !a.transactional)
    .map((a) => ({ id: a.id, label: a.label ?? humanize(a.id), subscribed: !all && !scopes.has(a.id) }));
}

/** Opt out of every unticked automation; ticking one after a full unsubscribe re-subscribes. */
async function saveChoices(deps: UnsubscribeDeps, customer: Customer, keep: Set<string>, now: number): Promise<void> {
  const knex = deps.db.knex;
  const base = { customerId: customer.id, email: customer.email, source: 'preferences' };
  const marketing = deps.config.automations.filter((a) => a.enabled && !a.transactional);
  for (const a of marketing) {
    if (keep.has(a.id)) await removeOptOut(knex, { ...base, scope: a.id }, now);
    else await recordOptOut(knex, { ...base, scope: a.id }, now);
  }
  if (keep.size > 0) await removeOptOut(knex, { ...base, scope: ALL_MARKETING }, now);
  deps.log.info({ event: 'consent.preferences', customer: customer.id, keep: [...keep] }, 'preferences saved');
}

function humanize(id: string): string {
  const words = id.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
