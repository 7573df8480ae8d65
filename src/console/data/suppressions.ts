/** Suppressed addresses: listed with why and since when; lifted with a reason, by a person. */
import type { Database } from '../../db/connect.js';
import {
  listSuppressions as suppressionPage,
  liftSuppression as lift,
  type Suppression,
} from '../../db/suppressions.js';
import { customersAtAddresses } from '../../db/customers.js';
import { addressKey } from '../../address.js';
import { logConsent } from '../../db/consent.js';
import { AppError } from '../../errors.js';
import { CONSOLE_SOURCE } from './actions.js';

export interface SuppressionList {
  rows: Suppression[];
  /** The cursor of the next page, or null on the last. */
  next: string | null;
}

const MAX_LIMIT = 200;

export async function listSuppressions(
  db: Database,
  o: { q?: string; cursor?: string; limit?: number } = {},
): Promise<SuppressionList> {
  const limit = Math.min(Math.max(Math.trunc(o.limit ?? 50), 1), MAX_LIMIT);
  const q = o.q?.trim().toLowerCase();
  const rows = await suppressionPage(db.knex, {
    limit: limit + 1,
    ...(o.cursor === undefined ? {} : { afterEmail: o.cursor }),
    ...(q ? { contains: q } : {}),
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > limit && last ? last.email : null };
}

/**
 * Lifts a suppression: the suppression log and, for every customer at the address, the consent
 * log record who and why. The customer's own opt-outs (links, preferences, an unsubscribe) stay:
 * only `rapport resubscribe` lifts those, with its own reason.
 */
export async function liftSuppression(
  db: Database,
  email: string,
  reason: string,
  author: string,
  now: number,
): Promise<boolean> {
  const why = reason.trim();
  const who = author.trim();
  if (why === '') throw new AppError('E_USAGE', 'reason: say why the suppression is lifted');
  if (why.length > 500) throw new AppError('E_USAGE', `reason: at most 500 characters (got ${why.length})`);
  if (who === '') throw new AppError('E_USAGE', 'author: say who lifts the suppression');
  const key = addressKey(email);
  return db.knex.transaction(async (trx) => {
    if (!(await lift(trx, key, why, now, who))) return false;
    const ids = (await customersAtAddresses(trx, [key])).get(key) ?? [];
    for (const id of ids) {
      const entry = { customerId: id, email: key, action: 'lift-suppression', source: CONSOLE_SOURCE };
      await logConsent(trx, { ...entry, reason: why, author: who }, now);
    }
    return true;
  });
}
