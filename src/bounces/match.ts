/**
 * Which of our deliveries a report is about, by the strongest clue it carries: a VERP address we
 * signed, then our X-Rapport-Message header anywhere in it, then the original Message-ID, then
 * the failed recipient's last message.
 */
import type { BouncedDelivery } from '../db/bounces.js';
import type { BounceReport, MatchedBy } from './report.js';

export interface DeliveryLookup {
  byId(id: number): Promise<BouncedDelivery | null>;
  byMessageId(messageId: string): Promise<BouncedDelivery | null>;
  lastTo(email: string): Promise<BouncedDelivery | null>;
}

export interface Match {
  delivery: BouncedDelivery;
  by: MatchedBy;
}

type Clue = BounceReport;

export async function matchDelivery(report: Clue, lookup: DeliveryLookup): Promise<Match | null> {
  for (const id of report.verpIds) {
    const delivery = await lookup.byId(id);
    if (delivery) return { delivery, by: 'verp' };
  }
  for (const id of report.headerIds) {
    const delivery = await lookup.byId(id);
    if (delivery) return { delivery, by: 'header' };
  }
  for (const messageId of report.messageIds) {
    const delivery = await lookup.byMessageId(messageId);
    if (delivery) return { delivery, by: 'message-id' };
  }
  if (report.recipient) {
    const delivery = await lookup.lastTo(report.recipient);
    if (delivery) return { delivery, by: 'recipient' };
  }
  return null;
}
