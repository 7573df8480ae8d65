/** Delivery reasons and statuses in words, for people reading a customer's history. */
import { STAFF_SKIP } from '../../db/deliveries-console.js';

const REASONS: Readonly<Record<string, string>> = {
  'frequency-cap': 'held back by the frequency cap (too many messages recently)',
  unsubscribed: 'the customer unsubscribed',
  suppressed: 'the address is suppressed (bounced, complained or stopped by an operator)',
  'exit-condition': "the automation's exit condition was met (e.g. they bought again)",
  expired: 'it could not go out in time and was dropped as too late',
  'duplicate-address': 'another record with the same address got this message',
  'no-new-content': 'nothing new to put in the digest',
  'send-window': 'moved into the send window',
  'survey-hold': 'held: a survey was sent to this customer recently',
  'survey-throttled': 'not sent: surveys to this customer are throttled',
  'customer-deleted': 'the customer was deleted',
  'hard-bounce': 'the receiving server refused the address',
  'soft-bounce': 'the receiving server refused it for now',
  complaint: 'the customer reported it as spam',
  [STAFF_SKIP]: 'skipped by a person from the console',
};

const STATUSES: Readonly<Record<string, string>> = {
  pending: 'planned',
  sending: 'being sent',
  sent: 'sent',
  failed: 'failed',
  expired: 'expired',
  skipped: 'skipped',
  suppressed: 'not sent',
  bounced: 'sent, then bounced',
  complained: 'sent, then reported as spam',
};

/** The reason in words; an unknown code (a relay's text, a newer reason) is shown as it is. */
export function reasonInWords(reason: string | null, skippedBy: string | null = null): string | null {
  if (reason === null) return null;
  const words = REASONS[reason] ?? reason;
  return reason === STAFF_SKIP && skippedBy !== null ? `skipped by ${skippedBy} from the console` : words;
}

export function statusInWords(status: string): string {
  return STATUSES[status] ?? status;
}
