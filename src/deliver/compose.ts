/**
 * From a rendered template to an outgoing message: headers, Message-ID, List-Unsubscribe.
 */
import { createHash } from 'node:crypto';
import type { OutgoingMessage } from './mailer.js';
import { deliveryKeyText, type DeliveryKey } from '../delivery-key.js';

export interface Rendered {
  subject: string;
  html: string;
  text: string;
}

export interface ComposeInput {
  key: DeliveryKey;
  /** The delivery's row id, named in X-Rapport-Message so returned mail can be matched to it (absent for test sends). */
  deliveryId?: number;
  /** The SMTP envelope sender (MAIL FROM), e.g. a VERP address; the From address when absent. */
  envelopeFrom?: string;
  rendered: Rendered;
  from: string;
  replyTo?: string;
  to: { name: string; address: string };
  transactional: boolean;
  unsubscribeUrl: string;
  date: Date;
}

/**
 * The Message-ID is a hash of the delivery key, so a message that is ever sent twice (a crash
 * between the server's 250 and our commit) carries the same id and receivers can tell.
 */
export function messageIdFor(key: DeliveryKey, from: string): string {
  const digest = createHash('sha256').update(deliveryKeyText(key)).digest('hex').slice(0, 32);
  return `<${digest}@${domainOf(from)}>`;
}

export function domainOf(from: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim());
  return m?.[1]?.toLowerCase() ?? 'rapport.invalid';
}

export function composeMessage(input: ComposeInput): OutgoingMessage {
  const headers: Record<string, string> = {
    // Tell auto-responders (vacation replies) not to answer automated mail.
    'Auto-Submitted': 'auto-generated',
  };
  // Returned mail usually quotes our headers: this one names the delivery it is about.
  if (input.deliveryId !== undefined) headers[MESSAGE_HEADER] = String(input.deliveryId);
  if (!input.transactional) {
    // RFC 2369 + RFC 8058 one-click unsubscribe.
    headers['List-Unsubscribe'] = `<${input.unsubscribeUrl}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  return {
    from: input.from,
    to: { name: oneLine(input.to.name), address: input.to.address },
    ...(input.replyTo ? { replyTo: input.replyTo } : {}),
    subject: oneLine(input.rendered.subject),
    text: input.rendered.text,
    html: input.rendered.html,
    messageId: messageIdFor(input.key, input.from),
    headers,
    date: input.date,
    ...(input.envelopeFrom ? { envelopeFrom: input.envelopeFrom } : {}),
  };
}

/** The header that names the delivery in every message. */
const MESSAGE_HEADER = 'X-Rapport-Message';

/** No value a customer supplied may break a header line. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
