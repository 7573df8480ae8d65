/** "View as sent": a stored message parsed for display, with its exact bytes and their hash. */
import { createHash } from 'node:crypto';
import PostalMime from 'postal-mime';
import type { Database } from '../../db/connect.js';
import { getMessage } from '../../db/delivery-messages.js';
import { AppError } from '../../errors.js';

export interface SentMessage {
  deliveryId: number;
  template: string;
  templateVersion: number | null;
  locale: string;
  subject: string;
  /** Every header as sent, in order (name in lower case). */
  headers: Array<{ name: string; value: string }>;
  /** The HTML part, or null for a text-only message: show it only in a sandboxed frame. */
  html: string | null;
  text: string | null;
  raw: Buffer;
  sha256: string;
  /** The bytes still hash to what was recorded when they were sent. */
  intact: boolean;
}

export async function viewAsSent(db: Database, deliveryId: number): Promise<SentMessage> {
  if (!Number.isSafeInteger(deliveryId) || deliveryId <= 0)
    throw new AppError('E_USAGE', `delivery id: "${deliveryId}" is not a delivery id`);
  const stored = await getMessage(db.knex, deliveryId);
  if (!stored) {
    throw new AppError(
      'E_NOT_FOUND',
      `delivery ${deliveryId} has no stored message: it was not sent, or was sent before messages were kept`,
    );
  }
  const sha256 = createHash('sha256').update(stored.mime).digest('hex');
  const email = await PostalMime.parse(stored.mime);
  return {
    deliveryId,
    template: stored.template,
    templateVersion: stored.templateVersion,
    locale: stored.resolvedLocale,
    subject: stored.subject,
    headers: email.headers.map((h) => ({ name: h.key, value: h.value })),
    html: email.html ?? null,
    text: email.text ?? null,
    raw: stored.mime,
    sha256,
    intact: sha256 === stored.mimeSha256,
  };
}
