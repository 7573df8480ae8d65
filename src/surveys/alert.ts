/**
 * The staff alert for a low answer: due once the scanner window has passed, sent only if the
 * answer is still low then (its `survey.low` event still exists), to `business.alerts_to`,
 * with the score, the comment and who the customer is. Replying writes to the customer.
 */
import type { Config } from '../config/schema.js';
import type { DeliveryRow } from '../db/deliveries.js';
import { composeMessage } from '../deliver/compose.js';
import type { Decision } from '../deliver/decide.js';
import type { OutgoingMessage } from '../deliver/mailer.js';
import type { Customer, CustomerEvent } from '../domain.js';
import { escapeHtml } from '../html.js';
import { SCALES, isSurveyKind } from './scale.js';
import { SURVEY_NOT_LOW } from './record.js';
import { deliveryKeyOf } from '../delivery-key.js';

export function alertDecision(
  row: DeliveryRow,
  customers: ReadonlyMap<string, Customer>,
  events: ReadonlyMap<string, CustomerEvent>,
  config: Config,
): Decision {
  if (!config.business.alerts_to) return { kind: 'drop', status: 'skipped', reason: 'no-alerts-address' };
  if (!customers.has(row.customer_id)) return { kind: 'drop', status: 'skipped', reason: 'customer-deleted' };
  if (!row.event_id || !events.has(row.event_id))
    return { kind: 'drop', status: 'skipped', reason: SURVEY_NOT_LOW };
  return { kind: 'send' };
}

export function surveyAlertMessage(
  config: Config,
  row: DeliveryRow,
  customer: Customer,
  event: CustomerEvent | undefined,
  now: number,
): OutgoingMessage {
  const to = config.business.alerts_to;
  if (!to || !event) throw new Error(`survey alert ${row.id}: no alerts address or no answer to report`);
  const data = event.data;
  const kind = isSurveyKind(data.kind) ? data.kind : 'csat';
  const score = Number(data.score);
  const comment = typeof data.comment === 'string' && data.comment !== '' ? data.comment : null;
  const name = [customer.first_name, customer.last_name].filter(Boolean).join(' ') || customer.email;
  const scale = `${SCALES[kind].min}-${SCALES[kind].max}`;
  const lines = [
    `${name} <${customer.email}> gave ${score} on the ${kind.toUpperCase()} scale of ${scale}.`,
    '',
    comment === null ? 'No comment.' : `Comment:\n${comment.replace(/^/gm, '> ')}`,
    '',
    `Customer id: ${customer.id}`,
    `Survey: ${String(data.automation)} (message ${String(data.delivery)})`,
    `Their mail: rapport deliveries --customer ${customer.id}`,
    '',
    'Reply to this email to write to the customer.',
  ];
  const text = lines.join('\n');
  const html = `<pre style="font:14px/1.5 system-ui,sans-serif;white-space:pre-wrap">${escapeHtml(text)}</pre>`;
  return composeMessage({
    key: deliveryKeyOf(row),
    rendered: { subject: `Low ${kind.toUpperCase()} score from ${name}: ${score}`, html, text },
    from: config.business.from,
    replyTo: customer.email,
    to: { name: '', address: to },
    transactional: true,
    unsubscribeUrl: '',
    date: new Date(now),
  });
}
