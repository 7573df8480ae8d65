/**
 * Acting on a report, in one transaction: record it (once: a report read twice is recognised by
 * its fingerprint and changes nothing), link it to its delivery, then bounce, suppress or
 * unsubscribe as the policy says.
 */
import type { Knex } from 'knex';
import {
  countBounces,
  deliveryByMessageId,
  deliveryById,
  insertBounceEvent,
  lastDeliveryTo,
  markDelivery,
} from '../db/bounces.js';
import { unsubscribeAddress } from '../usecases/unsubscribe.js';
import { addSuppression } from '../db/suppressions.js';
import { matchDelivery, type DeliveryLookup, type Match } from './match.js';
import { decideBounce, SOFT_BOUNCE_WINDOW_MS, type BounceActions } from './policy.js';
import type { BounceKind, BounceReport } from './report.js';

/** Where a report came from: returned mail, or a relay's webhook. */
export type ReportChannel = 'mail' | 'ses' | 'postmark' | 'mailgun';

/**
 * recorded: acted on (or logged, for a delay or an auto-reply); duplicate: seen before, nothing
 * changed; unmatched: a report about no message of ours; ignored: not a report at all.
 */
export type ApplyResult =
  | { result: 'recorded'; kind: BounceKind; match: Match | null; actions: BounceActions; suppressed: boolean }
  | { result: 'duplicate' | 'unmatched' | 'ignored'; kind: BounceKind | null };

function lookupIn(knex: Knex): DeliveryLookup {
  return {
    byId: (id) => deliveryById(knex, id),
    byMessageId: (messageId) => deliveryByMessageId(knex, messageId),
    lastTo: (email) => lastDeliveryTo(knex, email),
  };
}

export async function applyReport(
  knex: Knex,
  report: BounceReport,
  channel: ReportChannel,
  now: number,
): Promise<ApplyResult> {
  const kind = report.kind;
  if (kind === null) return { result: 'ignored', kind };
  const match = await matchDelivery(report, lookupIn(knex));
  // An out-of-office reply to no message of ours is still an auto-reply: logged, not a stranger.
  if (!match && kind !== 'auto-reply') return { result: 'unmatched', kind };
  const email = (match?.delivery.email ?? report.recipient)?.toLowerCase() ?? null;
  return knex.transaction(async (trx) => {
    const isNew = await insertBounceEvent(trx, {
      fingerprint: report.fingerprint,
      deliveryId: match?.delivery.id ?? null,
      email,
      kind,
      status: report.status,
      diagnostic: report.diagnostic,
      source: channel,
      matchedBy: match?.by ?? null,
      now,
    });
    if (!isNew) return { result: 'duplicate', kind };
    const recentSoftBounces =
      email && kind === 'soft' ? await countBounces(trx, email, 'soft', now - SOFT_BOUNCE_WINDOW_MS) : 0;
    const actions = decideBounce({
      kind,
      status: report.status,
      diagnostic: report.diagnostic,
      recentSoftBounces,
    });
    const suppressed = await act(trx, match, email, actions, report, now);
    return { result: 'recorded', kind, match, actions, suppressed };
  });
}

async function act(
  trx: Knex.Transaction,
  match: Match | null,
  email: string | null,
  actions: BounceActions,
  report: BounceReport,
  now: number,
): Promise<boolean> {
  if (match && actions.deliveryStatus) {
    const error = [report.status, report.diagnostic].filter(Boolean).join(' ') || null;
    await markDelivery(
      trx,
      match.delivery.id,
      actions.deliveryStatus,
      actions.reason ?? actions.deliveryStatus,
      error,
      now,
    );
  }
  if (email && actions.unsubscribe) {
    await unsubscribeAddress(trx, email, 'complaint', now);
  }
  if (!email || !actions.suppress) return false;
  return addSuppression(trx, { email, ...actions.suppress, deliveryId: match?.delivery.id ?? null, now });
}
