/**
 * Render → compose for one delivery: the template data (links signed for that customer, the
 * occasion a holiday rule greets, survey links), the template in the customer's language, and
 * the message with its headers. The Deliverer calls it for every message it sends.
 */
import type { ContentItem, Customer, CustomerEvent } from '../domain.js';
import type { DbRuntime } from '../runtime.js';
import type { DeliveryRow } from '../db/deliveries.js';
import type { Automation } from '../config/schema.js';
import { broadcastAutomationId, type Broadcast } from '../broadcasts/types.js';
import { OccasionCalendar, type OccasionDate } from '../occasions/resolve.js';
import { occasionCustomer } from '../plan/holiday.js';
import { composeMessage } from './compose.js';
import type { MessageBuilder } from './deliver.js';
import type { Rendering } from './mailer.js';
import { linksFor } from '../links/links.js';
import { surveyLinks } from '../surveys/tokens.js';
import { surveyAlertMessage } from '../surveys/alert.js';
import { SURVEY_ALERT_AUTOMATION } from '../surveys/record.js';
import { verpAddress } from '../bounces/verp.js';
import { buildTemplateData, type TemplateData } from '../render/data.js';
import type { RenderedEmail, TemplateEngine } from '../render/engine.js';
import { LiveTemplates } from '../outreach/live.js';
import { deliveryKeyOf } from '../delivery-key.js';

/** What renders templates: the database's (live, by language) or a folder's. */
export type Renderer = Pick<TemplateEngine, 'render'> | LiveTemplates;

/** The occasion a holiday rule's delivery greets: its occurrence is the year. */
function occasionOf(
  calendar: OccasionCalendar,
  automation: Automation,
  customer: Customer,
  occurrence: string,
  defaultCountry: string | null,
): OccasionDate | null {
  if (!('holiday' in automation.on)) return null;
  const answer = calendar.resolve(
    automation.on.holiday,
    occasionCustomer(customer, defaultCountry),
    Number(occurrence),
  );
  return answer.kind === 'date' ? answer.occasion : null;
}

/**
 * A broadcast as the rule its message is built by. Consent holds for every broadcast, so each
 * carries the unsubscribe link and header, transactional or not (that flag only lifts the send
 * window and the frequency cap).
 */
function broadcastRule(b: Broadcast): { id: string; template: string; transactional: boolean } {
  return { id: broadcastAutomationId(b.id), template: b.template, transactional: false };
}

/** Render + compose one delivery into a message, with links signed for that customer at `clock()`. */
export function messageBuilder(rt: DbRuntime, engine: Renderer, clock = rt.now): MessageBuilder {
  const { config } = rt;
  const occasions = new OccasionCalendar(config.occasions);
  return (
    row: DeliveryRow,
    customer: Customer,
    event: CustomerEvent | undefined,
    items?: readonly ContentItem[],
    broadcast?: Broadcast,
  ) => {
    if (row.automation_id === SURVEY_ALERT_AUTOMATION)
      return surveyAlertMessage(config, row, customer, event, clock());
    // Looked up each time: the live set changes when automations are edited.
    const automation = broadcast ? undefined : config.automations.find((a) => a.id === row.automation_id);
    const rule = broadcast ? broadcastRule(broadcast) : automation;
    if (!rule) throw new Error(`automation "${row.automation_id}" is not in the configuration`);
    const now = clock();
    const links = linksFor(config.http.public_url, rt.signingKey, customer.id, now);
    const data = buildTemplateData({
      customer,
      business: config.business,
      links,
      automation: { id: rule.id, transactional: rule.transactional },
      event: event ?? null,
      ...(items ? { items } : {}),
      occasion: automation
        ? occasionOf(occasions, automation, customer, row.occurrence, config.business.country ?? null)
        : null,
      survey: surveyLinks(config.http.public_url, rt.signingKey, {
        customerId: customer.id,
        deliveryId: row.id,
        now,
        expiresMs: config.surveys.expires,
      }),
      now,
    });
    const { rendered, rendering } = renderFor(rt, engine, rule.template, data, customer);
    const name = [customer.first_name, customer.last_name].filter(Boolean).join(' ');
    const bounceDomain = config.bounces.domain;
    const message = composeMessage({
      key: deliveryKeyOf(row),
      deliveryId: row.id,
      ...(bounceDomain ? { envelopeFrom: verpAddress(rt.signingKey, row.id, bounceDomain) } : {}),
      rendered,
      from: config.business.from,
      ...(config.business.reply_to ? { replyTo: config.business.reply_to } : {}),
      to: { name, address: customer.email },
      transactional: rule.transactional,
      unsubscribeUrl: links.unsubscribe,
      date: new Date(now),
    });
    return rendering ? { ...message, rendering } : message;
  };
}

/** In the customer's language when templates come from the database (a warning for a locale that is none). */
function renderFor(
  rt: DbRuntime,
  engine: Renderer,
  template: string,
  data: TemplateData,
  customer: Customer,
): { rendered: RenderedEmail; rendering?: Rendering } {
  if (!(engine instanceof LiveTemplates)) return { rendered: engine.render(template, data) };
  const { email, choice, rendering } = engine.renderLocalized(
    template,
    data,
    customer.locale,
    rt.config.business.locale,
  );
  if (choice.invalid) {
    rt.log.warn(
      {
        event: 'template.locale_invalid',
        customer: customer.id,
        locale: choice.requested,
        resolved: choice.resolved,
      },
      'customer locale is not a locale; using the default variant',
    );
  }
  return { rendered: email, rendering };
}
