/** `rapport unsubscribe`, `rapport resubscribe` and `rapport suppress`: consent from the operator's side. */
import { AppError } from '../errors.js';
import { ALL_MARKETING, setConsent } from '../db/consent.js';
import { unsubscribeAddress } from '../usecases/unsubscribe.js';
import { addSuppression, liftSuppression } from '../db/suppressions.js';
import { withRuntime, type GlobalOptions, emailAddress } from './context.js';
import type { Io } from './io.js';

export async function unsubscribeCommand(
  io: Io,
  email: string,
  options: GlobalOptions & { automation?: string },
): Promise<number> {
  const address = emailAddress('EMAIL', email);
  return withRuntime(io, options, async (rt) => {
    if (options.automation && !rt.config.automations.some((a) => a.id === options.automation)) {
      throw new AppError(
        'E_USAGE',
        `--automation: no automation "${options.automation}" in the configuration`,
      );
    }
    const scope = options.automation ?? ALL_MARKETING;
    const results = await unsubscribeAddress(rt.db.knex, address, 'cli', rt.now(), scope);
    if (results.length === 0) throw new AppError('E_NOT_FOUND', `no customer with email ${address}`);
    const what = scope === ALL_MARKETING ? 'all non-transactional mail' : `"${scope}"`;
    for (const r of results) {
      io.out(
        `${r.email} (customer ${r.customerId}): ${r.changed ? 'unsubscribed from' : 'was already unsubscribed from'} ${what}`,
      );
    }
    return 0;
  });
}

/**
 * The only operator way to lift a customer's own opt-out (link, preferences page, complaint,
 * operator unsubscribe): the reason is required and kept in the consent log. Opt-outs of single
 * automations the customer chose stay as they are.
 */
export async function resubscribeCommand(
  io: Io,
  email: string,
  options: GlobalOptions & { reason?: string },
): Promise<number> {
  const address = emailAddress('EMAIL', email);
  const reason = (options.reason ?? '').trim();
  if (reason === '')
    throw new AppError('E_USAGE', '--reason: say why, e.g. --reason "asked by phone on 3 May"');
  if (reason.length > 500)
    throw new AppError('E_USAGE', `--reason: at most 500 characters (got ${reason.length})`);
  return withRuntime(io, options, async (rt) => {
    const change = { scope: ALL_MARKETING, optedOut: false };
    const results = await setConsent(rt.db.knex, address, [change], { source: 'operator', reason }, rt.now());
    if (results.length === 0) throw new AppError('E_NOT_FOUND', `no customer with email ${address}`);
    for (const r of results) {
      io.out(
        `${r.email} (customer ${r.customerId}): ${r.changed ? 're-subscribed' : 'was not unsubscribed'}`,
      );
    }
    return 0;
  });
}

export async function suppressCommand(
  io: Io,
  email: string,
  options: GlobalOptions & { reason?: string; remove?: boolean },
): Promise<number> {
  // Suppressions are kept per address in lower case: Ann@ and ann@ are one mailbox to stop.
  const address = emailAddress('EMAIL', email).toLowerCase();
  return withRuntime(io, options, async (rt) => {
    if (options.remove) {
      // The lift is logged with its reason beside the suppression it undoes (`rapport suppressions EMAIL`).
      const removed = await liftSuppression(
        rt.db.knex,
        address,
        options.reason ?? 'lifted by an operator',
        rt.now(),
      );
      io.out(removed ? `${address} is no longer suppressed` : `${address} was not suppressed`);
      return 0;
    }
    const reason = options.reason ?? 'suppressed by an operator';
    const added = await addSuppression(rt.db.knex, {
      email: address,
      reason,
      source: 'operator',
      now: rt.now(),
    });
    io.out(
      added
        ? `${address} is suppressed: no mail of any kind will be sent to it`
        : `${address} was already suppressed`,
    );
    return 0;
  });
}
