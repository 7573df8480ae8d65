/**
 * What each relay's webhook says, as a BounceReport: Amazon SES (inside an SNS notification),
 * Postmark and Mailgun. Unknown event types give a report of kind null (acknowledged, ignored).
 */
import { hookReport, obj, str, type HookOptions } from './clues.js';
import type { BounceKind, BounceReport } from '../report.js';

/** SES: `notificationType` (notifications) or `eventType` (configuration-set events). */
export function sesReport(message: Record<string, unknown>, o: HookOptions): BounceReport {
  const type = str(message.notificationType) || str(message.eventType);
  const mail = obj(message.mail);
  const headers = Array.isArray(mail.headers) ? mail.headers.map(obj) : [];
  const header = (name: string) => str(headers.find((h) => str(h.name).toLowerCase() === name)?.value);
  const clues = {
    envelopeFrom: mail.source,
    rapportId: header('x-rapport-message'),
    messageId: obj(mail.commonHeaders).messageId ?? header('message-id'),
  };
  if (type === 'Bounce') {
    const bounce = obj(message.bounce);
    const recipient = obj(Array.isArray(bounce.bouncedRecipients) ? bounce.bouncedRecipients[0] : null);
    const kind: BounceKind = str(bounce.bounceType) === 'Permanent' ? 'hard' : 'soft';
    const fingerprint = `ses:${str(bounce.feedbackId) || str(mail.messageId)}:bounce`;
    return hookReport(
      {
        kind,
        recipient: recipient.emailAddress,
        status: recipient.status,
        diagnostic: recipient.diagnosticCode,
        fingerprint,
        ...clues,
      },
      o,
    );
  }
  if (type === 'Complaint') {
    const complaint = obj(message.complaint);
    const recipient = obj(
      Array.isArray(complaint.complainedRecipients) ? complaint.complainedRecipients[0] : null,
    );
    const feedback = str(complaint.complaintFeedbackType) || 'abuse';
    const kind = feedback === 'not-spam' ? null : 'complaint';
    const fingerprint = `ses:${str(complaint.feedbackId) || str(mail.messageId)}:complaint`;
    return hookReport(
      {
        kind,
        recipient: recipient.emailAddress,
        diagnostic: `feedback-type ${feedback} via SES`,
        fingerprint,
        ...clues,
      },
      o,
    );
  }
  if (type === 'DeliveryDelay') {
    const delay = obj(message.deliveryDelay);
    const recipient = obj(Array.isArray(delay.delayedRecipients) ? delay.delayedRecipients[0] : null);
    const fingerprint = `ses:${str(mail.messageId)}:delay:${str(delay.timestamp)}`;
    return hookReport(
      {
        kind: 'delayed',
        recipient: recipient.emailAddress,
        status: recipient.status,
        diagnostic: delay.delayType,
        fingerprint,
        ...clues,
      },
      o,
    );
  }
  return hookReport({ kind: null, recipient: null, fingerprint: `ses:${str(mail.messageId)}:${type}` }, o);
}

const POSTMARK_KINDS: Record<string, BounceKind> = {
  HardBounce: 'hard',
  BadEmailAddress: 'hard',
  SoftBounce: 'soft',
  DnsError: 'soft',
  Transient: 'delayed',
  AutoResponder: 'auto-reply',
  SpamComplaint: 'complaint',
};

/** Postmark's bounce and spam-complaint webhooks share one shape. */
export function postmarkReport(body: Record<string, unknown>, o: HookOptions): BounceReport {
  const kind = POSTMARK_KINDS[str(body.Type)] ?? null;
  return hookReport(
    {
      kind,
      recipient: body.Email,
      diagnostic: [str(body.Description), str(body.Details)].filter(Boolean).join(' '),
      status: /\b[245]\.\d{1,3}\.\d{1,3}\b/.exec(str(body.Details))?.[0],
      fingerprint: `postmark:${str(body.RecordType) || 'Bounce'}:${str(body.ID)}`,
    },
    o,
  );
}

/** Mailgun: `failed` (permanent, or temporary while it still retries) and `complained` events. */
export function mailgunReport(eventData: Record<string, unknown>, o: HookOptions): BounceReport {
  const event = str(eventData.event);
  const status = obj(eventData['delivery-status']);
  const headers = obj(obj(eventData.message).headers);
  let kind: BounceKind | null = null;
  if (event === 'complained') kind = 'complaint';
  else if (event === 'failed' && str(eventData.severity) === 'temporary') kind = 'delayed';
  // Given up after retrying ("old"): a temporary failure that lasted, not a dead address.
  else if (event === 'failed') kind = str(eventData.reason) === 'old' ? 'soft' : 'hard';
  return hookReport(
    {
      kind,
      recipient: eventData.recipient,
      status: status['enhanced-code'] ?? /\b[245]\.\d{1,3}\.\d{1,3}\b/.exec(str(status.message))?.[0],
      diagnostic: [str(status.code), str(status.message) || str(status.description)]
        .filter(Boolean)
        .join(' '),
      envelopeFrom: obj(eventData.envelope).sender,
      rapportId: headers['x-rapport-message'],
      messageId: headers['message-id'],
      fingerprint: `mailgun:${str(eventData.id)}`,
    },
    o,
  );
}
