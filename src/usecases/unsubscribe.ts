/**
 * Opting an address out: a customer's link or one-click header, the operator's command, the
 * console, a complaint. Consent belongs to the address, so every customer record at it changes.
 */
import type { Knex } from 'knex';
import { ALL_MARKETING, setConsent, type ConsentResult, type ConsentSource } from '../db/consent.js';

/** One result per customer at the address (none when no customer has it); `changed` false when it already was. */
export function unsubscribeAddress(
  knex: Knex,
  email: string,
  by: string | ConsentSource,
  now: number,
  scope: string = ALL_MARKETING,
): Promise<ConsentResult[]> {
  return setConsent(knex, email, [{ scope, optedOut: true }], by, now);
}
