/** Returned mail in, outcome out: parse, then act (the IMAP reader and the CLI share this). */
import type { Knex } from 'knex';
import type { Logger } from '../log.js';
import { applyReport, type ApplyResult, type ReportChannel } from './apply.js';
import { parseReturnedMail, type MailParseOptions } from './parse-mail.js';
import type { BounceReport } from './report.js';
import { processMailbox, type MailboxSettings, type PassReport, type Verdict } from './imap.js';
import type { DbRuntime } from '../runtime.js';
import { describeError } from '../errors.js';

/** What the bounce handlers need, from a runtime: VERP addresses are signed with the link key. */
export function bounceDeps(rt: DbRuntime): BounceDeps {
  return {
    knex: rt.db.knex,
    parse: { verpKey: rt.signingKey, verpDomain: rt.config.bounces.domain },
    log: rt.log,
    now: rt.now,
  };
}

/** One pass over the configured bounce mailbox. */
export function readBounceMailbox(rt: DbRuntime, imap: MailboxSettings): Promise<PassReport> {
  const deps = bounceDeps(rt);
  return processMailbox(imap, (raw) => sortReturnedMail(deps, raw), rt.log);
}

export interface BounceDeps {
  knex: Knex;
  parse: MailParseOptions;
  log: Logger;
  now(): number;
}

export async function handleReturnedMail(deps: BounceDeps, raw: Buffer | string): Promise<ApplyResult> {
  const report = await parseReturnedMail(raw, deps.parse);
  return handleReport(deps, report, 'mail');
}

/**
 * For the mailbox reader: a report acted on (or already handled) is processed; anything else,
 * a message that cannot even be parsed included, is unrecognised. Database errors go on: the
 * message then stays where it is and is read again on the next pass.
 */
async function sortReturnedMail(deps: BounceDeps, raw: Buffer): Promise<Verdict> {
  let report: BounceReport;
  try {
    report = await parseReturnedMail(raw, deps.parse);
  } catch (error) {
    deps.log.warn({ event: 'bounce.unreadable', error: describeError(error) }, 'unreadable message');
    return 'unrecognised';
  }
  const outcome = await handleReport(deps, report, 'mail');
  return outcome.result === 'recorded' || outcome.result === 'duplicate' ? 'processed' : 'unrecognised';
}

/** Acts on one report and logs what it did under a stable event name. */
export async function handleReport(
  deps: BounceDeps,
  report: BounceReport,
  channel: ReportChannel,
): Promise<ApplyResult> {
  const outcome = await applyReport(deps.knex, report, channel, deps.now());
  if (outcome.result === 'recorded') {
    deps.log.info(
      {
        event: `bounce.${outcome.kind}`,
        channel,
        delivery: outcome.match?.delivery.id ?? null,
        matched_by: outcome.match?.by ?? null,
        status: report.status,
        suppressed: outcome.suppressed,
      },
      'report recorded',
    );
  } else {
    deps.log.debug({ event: `bounce.${outcome.result}`, channel, kind: outcome.kind }, 'report not acted on');
  }
  return outcome;
}

/** One line for a person: what a report was and what it changed. */
export function describeOutcome(o: ApplyResult): string {
  if (o.result !== 'recorded') {
    return {
      duplicate: 'already handled',
      unmatched: `${o.kind} report about no message of ours`,
      ignored: 'not a bounce or complaint',
    }[o.result];
  }
  const about = o.match ? `delivery ${o.match.delivery.id} (matched by ${o.match.by})` : 'no delivery';
  const did = [
    o.actions.deliveryStatus ? `marked ${o.actions.deliveryStatus}` : null,
    o.actions.unsubscribe ? 'unsubscribed from marketing' : null,
    o.suppressed ? 'address suppressed' : null,
  ].filter(Boolean);
  return `${o.kind}: ${about}${did.length ? `; ${did.join(', ')}` : '; logged'}`;
}
