/**
 * Imports and the API merge customers into what is stored: a row changes only the fields it
 * carries, and a `subscribed: true` never lifts an opt-out the customer made (link,
 * preferences page, complaint, operator) — only they, or `rapport resubscribe`, can.
 */
import type { Knex } from 'knex';
import type { Customer, CustomerPatch } from '../domain.js';
import { mergeCustomer } from '../import/merge.js';
import { ALL_MARKETING, optOutsFor } from './consent.js';
import { CUSTOMERS, inputToRow, rowToCustomer } from './customers.js';
import { chunks, IN_CHUNK, sameColumns, type UpsertCounts } from './rows.js';
import { rowsOf, str } from './read.js';

export interface MergeCounts extends UpsertCounts {
  /** Rows that asked to re-subscribe an address that opted out: left unsubscribed. */
  keptUnsubscribed: number;
}

/**
 * The patch as it may apply to the stored customer (undefined: a new one). A customer who opted
 * out of all marketing (scope '*' in `scopes`) stays unsubscribed whatever the row says: the
 * stored record keeps its value and a new one starts unsubscribed; a row that asked to subscribe
 * is counted in `counts.keptUnsubscribed`. Any other patch is returned as it is.
 */
export function effectivePatch(
  patch: CustomerPatch,
  stored: Customer | undefined,
  scopes: ReadonlySet<string> | undefined,
  counts: MergeCounts,
): CustomerPatch {
  if (!scopes?.has(ALL_MARKETING)) return patch;
  if (patch.subscribed === true) counts.keptUnsubscribed++;
  return { ...patch, subscribed: stored ? stored.subscribed : false };
}

/** Merge each patch into its stored customer (or a new one), in one transaction; `dryRun` writes nothing. */
export async function mergeCustomers(
  knex: Knex,
  patches: readonly CustomerPatch[],
  now: number,
  dryRun = false,
): Promise<MergeCounts> {
  const counts: MergeCounts = { inserted: 0, updated: 0, unchanged: 0, keptUnsubscribed: 0 };
  await knex.transaction(async (trx) => {
    for (const batch of chunks(patches, IN_CHUNK)) await mergeBatch(trx, batch, now, dryRun, counts);
  });
  return counts;
}

async function mergeBatch(
  trx: Knex.Transaction,
  batch: CustomerPatch[],
  now: number,
  dryRun: boolean,
  counts: MergeCounts,
) {
  const storedRows = rowsOf(
    await trx('customers').whereIn(
      'id',
      batch.map((p) => p.id),
    ),
  );
  const stored = new Map(storedRows.map((r) => [str(r, 'id'), r]));
  // Opt-outs of the stored record or of the (new) address: a new record for an opted-out
  // address, in any letter case, starts unsubscribed too.
  const asking = batch.filter((p) => p.subscribed === true || !stored.has(p.id));
  const optOuts = await optOutsFor(trx, asking);
  const inserts: Array<Record<string, unknown>> = [];
  for (const patch of batch) {
    const old = stored.get(patch.id);
    const oldCustomer = old ? rowToCustomer(old) : undefined;
    const effective = effectivePatch(patch, oldCustomer, optOuts.get(patch.id), counts);
    const row = inputToRow(mergeCustomer(oldCustomer, effective));
    if (!old) inserts.push({ ...row, ...CUSTOMERS.inserted(now) });
    else if (sameColumns([...CUSTOMERS.compare, 'email_key'], row, old)) counts.unchanged++;
    else {
      if (!dryRun)
        await trx('customers')
          .where('id', patch.id)
          .update({ ...row, ...CUSTOMERS.updated(now) });
      counts.updated++;
    }
  }
  if (inserts.length > 0 && !dryRun) {
    for (const part of chunks(inserts, 100)) await trx('customers').insert(part);
  }
  counts.inserted += inserts.length;
}
