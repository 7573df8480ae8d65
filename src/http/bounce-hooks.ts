/**
 * POST /hooks/bounces/ses|postmark|mailgun: relays report bounces and complaints. Each request is
 * verified by the relay's documented scheme before anything is read from it; a request that
 * fails is answered 401 and nothing is stored. A relay whose settings are missing gets 404.
 *   ses       an SNS message signed by a certificate the operator trusts (never fetched)
 *   postmark  HTTP basic auth with the token set in the webhook's URL
 *   mailgun   HMAC-SHA256 of timestamp + token with the webhook signing key, timestamp fresh
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { handleReport, type BounceDeps } from '../bounces/service.js';
import { parseReturnedMail } from '../bounces/parse-mail.js';
import { obj, str } from '../bounces/hooks/clues.js';
import { mailgunReport, postmarkReport, sesReport } from '../bounces/hooks/providers.js';
import { verifySnsSignature } from '../bounces/hooks/sns.js';
import type { BounceReport } from '../bounces/report.js';
import { HttpError, readBody, sendJson } from './respond.js';

export const RELAYS = ['ses', 'postmark', 'mailgun'] as const;
export type Relay = (typeof RELAYS)[number];

export interface BounceHookDeps {
  bounces: BounceDeps;
  webhooks: Config['bounces']['webhooks'];
  /** PEM text of the trusted SNS signing certificates, read at start. */
  snsCertificates: readonly string[];
  log: Logger;
}

const MAX_BODY = 1024 * 1024;
/** Mailgun signatures older (or newer) than this are refused: a captured request cannot be replayed later. */
const MAILGUN_TOLERANCE_MS = 5 * 60_000;

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function parseJson(body: string): Record<string, unknown> {
  try {
    return obj(JSON.parse(body));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

export async function handleBounceHook(
  deps: BounceHookDeps,
  req: IncomingMessage,
  res: ServerResponse,
  relay: Relay,
): Promise<void> {
  const report = await verifiedReport(deps, req, relay);
  if (report === null) {
    sendJson(res, 200, { result: 'ignored' });
    return;
  }
  const outcome = await handleReport(deps.bounces, report, relay);
  sendJson(res, 200, { result: outcome.result, kind: outcome.kind });
}

async function verifiedReport(
  deps: BounceHookDeps,
  req: IncomingMessage,
  relay: Relay,
): Promise<BounceReport | null> {
  const parse = deps.bounces.parse;
  if (relay === 'postmark') {
    const settings = deps.webhooks.postmark;
    if (!settings)
      throw new HttpError(404, 'the Postmark webhook is off: set bounces.webhooks.postmark.token');
    if (!postmarkAuthorized(req.headers.authorization, settings.user, settings.token)) throw unauthorized();
    const body = parseJson(await readBody(req, MAX_BODY));
    return withContentClues(postmarkReport(body, parse), body.Content, deps.bounces);
  }
  if (relay === 'mailgun') {
    const settings = deps.webhooks.mailgun;
    if (!settings)
      throw new HttpError(404, 'the Mailgun webhook is off: set bounces.webhooks.mailgun.signing_key');
    const body = parseJson(await readBody(req, MAX_BODY));
    if (!mailgunSigned(obj(body.signature), settings.signing_key, deps.bounces.now())) throw unauthorized();
    return mailgunReport(obj(body['event-data']), parse);
  }
  if (!deps.webhooks.ses)
    throw new HttpError(404, 'the SES webhook is off: set bounces.webhooks.ses.certificates');
  const message = parseJson(await readBody(req, MAX_BODY));
  if (!verifySnsSignature(message, deps.snsCertificates)) throw unauthorized();
  const topic = deps.webhooks.ses.topic_arn;
  if (topic !== undefined && str(message.TopicArn) !== topic) throw unauthorized();
  if (str(message.Type) !== 'Notification') {
    // Subscribing is the operator's step: they open the (signed) SubscribeURL once.
    deps.log.warn(
      {
        event: 'bounces.sns_subscription',
        type: str(message.Type),
        topic: str(message.TopicArn),
        subscribe_url: str(message.SubscribeURL),
      },
      'SNS subscription message: open subscribe_url to confirm it',
    );
    return null;
  }
  let inner: Record<string, unknown>;
  try {
    inner = obj(JSON.parse(str(message.Message)));
  } catch {
    throw new HttpError(400, 'the SNS Message is not JSON from SES');
  }
  return sesReport(inner, parse);
}

function unauthorized(): HttpError {
  return new HttpError(401, 'the request is not signed by the relay');
}

function postmarkAuthorized(header: string | undefined, user: string, token: string): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (m?.[1] === undefined) return false;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Both compared, always: which one was wrong is not revealed by the time taken.
  const userOk = sameSecret(decoded.slice(0, colon), user);
  const tokenOk = sameSecret(decoded.slice(colon + 1), token);
  return userOk && tokenOk;
}

function mailgunSigned(signature: Record<string, unknown>, key: string, now: number): boolean {
  const timestamp = str(signature.timestamp);
  const token = str(signature.token);
  const given = str(signature.signature);
  if (!/^\d{1,12}$/.test(timestamp) || token === '' || !/^[0-9a-f]{64}$/i.test(given)) return false;
  if (Math.abs(now - Number(timestamp) * 1000) > MAILGUN_TOLERANCE_MS) return false;
  const expected = createHmac('sha256', key)
    .update(timestamp + token)
    .digest('hex');
  return timingSafeEqual(Buffer.from(given.toLowerCase()), Buffer.from(expected));
}

/** Postmark can include the returned message itself: its headers name our delivery. */
async function withContentClues(
  report: BounceReport,
  content: unknown,
  deps: BounceDeps,
): Promise<BounceReport> {
  if (typeof content !== 'string' || content === '') return report;
  try {
    const inner = await parseReturnedMail(content, deps.parse);
    return { ...report, verpIds: inner.verpIds, headerIds: inner.headerIds, messageIds: inner.messageIds };
  } catch {
    return report;
  }
}
