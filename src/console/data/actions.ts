/**
 * What an editor does to one customer from the console, each change recorded with its author:
 * edits (merged as an import merges: a field left out stays, null clears, attributes merge key by
 * key), a tag, an unsubscribe (consent log), a suppression (suppression log).
 */
import type { Database } from '../../db/connect.js';
import type { Customer } from '../../domain.js';
import { getCustomer } from '../../db/customers.js';
import { markUpdatedBy } from '../../db/customers-console.js';
import { mergeCustomers } from '../../db/customers-merge.js';
import { ALL_MARKETING } from '../../db/consent.js';
import { unsubscribeAddress } from '../../usecases/unsubscribe.js';
import { addSuppression } from '../../db/suppressions.js';
import { validateCustomer } from '../../import/validate.js';
import { AppError } from '../../errors.js';

/** The console's name in the consent and suppression logs' `source`. */
export const CONSOLE_SOURCE = 'console';

async function existing(db: Database, id: string): Promise<Customer> {
  const customer = await getCustomer(db.knex, id);
  if (!customer) throw new AppError('E_NOT_FOUND', `no customer with id "${id}"`);
  return customer;
}

function requireAuthor(author: string): string {
  const who = author.trim();
  if (who === '') throw new AppError('E_USAGE', 'author: say who makes the change');
  return who;
}

/**
 * Changes the fields given (import rules and checks); returns the stored result. Consent is not
 * a field here: it changes through unsubscribe, suppress and the resubscribe rule.
 */
export async function updateCustomer(
  db: Database,
  id: string,
  fields: Record<string, unknown>,
  author: string,
  now: number,
): Promise<Customer> {
  const who = requireAuthor(author);
  const stored = await existing(db, id);
  if ('subscribed' in fields)
    throw new AppError(
      'E_USAGE',
      `customer ${id}: subscribed: change consent with unsubscribe or resubscribe`,
    );
  if ('id' in fields && fields.id !== id)
    throw new AppError('E_USAGE', `customer ${id}: id: cannot be changed`);
  const checked = validateCustomer({ email: stored.email, ...fields, id }, 1, now);
  if ('errors' in checked) {
    const problems = checked.errors.map((e) => `${e.field}: ${e.reason}`);
    throw new AppError('E_INVALID', `customer ${id}: ${problems.join('; ')}`, problems);
  }
  await db.knex.transaction(async (trx) => {
    await mergeCustomers(trx, [checked.value], now);
    await markUpdatedBy(trx, id, who);
  });
  return existing(db, id);
}

/** Adds a tag (kept as typed, trimmed); nothing changes when the customer already has it. */
export async function addTag(
  db: Database,
  id: string,
  tag: string,
  author: string,
  now: number,
): Promise<Customer> {
  const customer = await existing(db, id);
  const name = tag.trim();
  if (customer.tags.includes(name)) return customer;
  return updateCustomer(db, id, { tags: [...customer.tags, name] }, author, now);
}

/** Opts the customer's address out of all marketing mail (or one automation), in the consent log. */
export async function unsubscribe(
  db: Database,
  id: string,
  author: string,
  now: number,
  scope: string = ALL_MARKETING,
): Promise<boolean> {
  const who = requireAuthor(author);
  const customer = await existing(db, id);
  const results = await unsubscribeAddress(
    db.knex,
    customer.email,
    { source: CONSOLE_SOURCE, author: who },
    now,
    scope,
  );
  return results.some((r) => r.changed);
}

/** Stops all mail to the customer's address; true when it was not suppressed before. */
export async function suppress(
  db: Database,
  id: string,
  reason: string,
  author: string,
  now: number,
): Promise<boolean> {
  const who = requireAuthor(author);
  const why = reason.trim();
  if (why === '') throw new AppError('E_USAGE', 'reason: say why the address is suppressed');
  const customer = await existing(db, id);
  return addSuppression(db.knex, {
    email: customer.email,
    reason: why,
    source: 'operator',
    author: who,
    now,
  });
}
