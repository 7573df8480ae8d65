/**
 * Rendering a template as a customer would get it, without sending: with a real customer, a
 * real event, the real digest items that customer would get, in a chosen language and version.
 * The CLI's preview and send-test use it; so will the console.
 */
import { getCustomer } from '../db/customers.js';
import { publishedContent } from '../db/content.js';
import { lastSentAt } from '../db/deliveries.js';
import { getEventsByIds, latestEventOfType } from '../db/events.js';
import { findTemplate, getVersion, type PublishedRow, type VersionContent } from '../db/templates.js';
import { composeMessage } from '../deliver/compose.js';
import type { OutgoingMessage, Rendering } from '../deliver/mailer.js';
import type { ContentItem, Customer, CustomerEvent } from '../domain.js';
import { AppError } from '../errors.js';
import { linksFor } from '../links/links.js';
import {
  buildTemplateData,
  sampleTemplateData,
  toTemplateEvent,
  toTemplateItem,
  type TemplateData,
} from '../render/data.js';
import type { DbRuntime } from '../runtime.js';
import { LiveTemplates } from './live.js';
import { seedIfEmpty } from './startup.js';
import { contentHash } from './units.js';

export interface PreviewInput {
  template: string;
  customerId?: string;
  eventId?: string;
  /** Render as for a customer with this locale (default: the customer's own). */
  locale?: string;
  /** This version of the template (its default variant, or the one `locale` picks) instead of the published one. */
  version?: number;
  /** Unsaved content (an editor's draft) in place of the published version of `locale`. */
  content?: VersionContent;
}

export interface Preview {
  message: OutgoingMessage;
  rendering: Rendering;
  /** Digest items in the message (real ones when the database has any). */
  items: number;
  /** The real customer and event rendered with; absent for sample data. */
  customer?: Customer;
  event?: CustomerEvent;
}

/**
 * The published templates compiled once per runtime, reloaded when the outreach revision moves
 * (one row read per preview): compiling every template for each preview cost tens of
 * milliseconds, which the console paid on every broadcast preview and sample.
 */
const published = new WeakMap<DbRuntime, LiveTemplates>();
/** Runtimes whose database has been seeded: reading the templates folder each time cost ~15 ms. */
const seeded = new WeakSet<DbRuntime>();

async function engineFor(rt: DbRuntime, override: PublishedRow | undefined): Promise<LiveTemplates> {
  const options = {
    knex: rt.db.knex,
    automations: rt.config.automations,
    pollMs: rt.config.worker.outreach_poll,
  };
  let engine = override ? new LiveTemplates({ ...options, override }) : published.get(rt);
  if (!engine) {
    engine = new LiveTemplates(options);
    published.set(rt, engine);
  }
  await engine.refresh();
  return engine;
}

export async function renderPreview(rt: DbRuntime, input: PreviewInput): Promise<Preview> {
  if (!seeded.has(rt)) {
    await seedIfEmpty(rt);
    seeded.add(rt);
  }
  const override = input.content
    ? draftRow(input.template, input.locale ?? '', input.content, rt.now())
    : input.version === undefined
      ? undefined
      : await versionRow(rt, input);
  const engine = await engineFor(rt, override);
  if (!engine.has(input.template)) {
    throw new AppError(
      'E_TEMPLATE_MISSING',
      `no published template "${input.template}" (see rapport templates list)`,
    );
  }
  const automation = rt.config.automations.find((a) => a.template === input.template);
  const auto = { id: automation?.id ?? 'preview', transactional: automation?.transactional ?? false };
  const now = rt.now();
  // Links are signed for a customer that does not exist, even when rendering a real one: a test
  // message in a staff inbox must not carry a working unsubscribe link for that customer.
  const links = linksFor(rt.config.http.public_url, rt.signingKey, 'sample-customer', now);
  const named = input.eventId === undefined ? undefined : await loadEvent(rt, input.eventId);
  const customer = await loadCustomer(rt, input.customerId ?? named?.customer_id);
  if (named && customer && named.customer_id !== customer.id) {
    throw new AppError(
      'E_USAGE',
      `event "${named.id}" is customer "${named.customer_id}"'s, not "${customer.id}"'s`,
    );
  }
  // An event-triggered message is shown with the customer's latest such event when none is named.
  const trigger = automation && 'event' in automation.on ? automation.on.event : undefined;
  const event =
    named ?? (customer && trigger ? await latestEventOfType(rt.db.knex, customer.id, trigger) : undefined);
  const items = automation?.content === 'new' ? await digestItems(rt, auto.id, customer, now) : undefined;
  let data: TemplateData;
  if (customer) {
    data = buildTemplateData({
      customer,
      business: rt.config.business,
      links,
      automation: auto,
      event: event ?? null,
      now,
      ...(items ? { items } : {}),
    });
  } else {
    data = sampleTemplateData(rt.config.business, links, auto);
    if (event) data.event = toTemplateEvent(event);
    if (items && items.length > 0) data.items = items.map(toTemplateItem);
  }
  const requested = input.locale ?? customer?.locale ?? null;
  const { email, rendering } = engine.renderLocalized(
    input.template,
    data,
    requested,
    rt.config.business.locale,
  );
  const to = {
    name: [data.customer.first_name, data.customer.last_name].filter(Boolean).join(' '),
    address: data.customer.email,
  };
  const message = composeMessage({
    key: { automationId: auto.id, customerId: customer?.id ?? 'sample', occurrence: `preview-${now}` },
    rendered: email,
    from: rt.config.business.from,
    to,
    transactional: auto.transactional,
    unsubscribeUrl: data.links.unsubscribe,
    date: new Date(now),
  });
  return {
    message,
    rendering,
    items: data.items?.length ?? 0,
    ...(customer ? { customer } : {}),
    ...(event ? { event } : {}),
  };
}

function draftRow(name: string, locale: string, content: VersionContent, now: number): PublishedRow {
  return {
    id: -1,
    template_id: -1,
    kind: 'template',
    name,
    locale,
    version: 0,
    ...content,
    sha256: contentHash(content),
    author: '',
    origin: 'edit',
    created_at: now,
  };
}

async function versionRow(rt: DbRuntime, input: PreviewInput): Promise<PublishedRow> {
  const template = await findTemplate(rt.db.knex, 'template', input.template);
  const locale = input.locale ?? '';
  const row =
    template &&
    ((await getVersion(rt.db.knex, template.id, locale, input.version as number)) ??
      (await getVersion(rt.db.knex, template.id, '', input.version as number)));
  if (!template || !row) {
    throw new AppError(
      'E_NOT_FOUND',
      `template "${input.template}" has no version ${input.version} (see rapport templates history)`,
    );
  }
  return { ...row, kind: 'template', name: input.template };
}

async function loadEvent(rt: DbRuntime, id: string): Promise<CustomerEvent> {
  const event = (await getEventsByIds(rt.db.knex, [id])).get(id);
  if (!event) throw new AppError('E_NOT_FOUND', `no event with id "${id}"`);
  return event;
}

async function loadCustomer(rt: DbRuntime, id: string | undefined): Promise<Customer | undefined> {
  if (id === undefined) return undefined;
  const customer = await getCustomer(rt.db.knex, id);
  if (!customer) throw new AppError('E_NOT_FOUND', `no customer with id "${id}"`);
  return customer;
}

/**
 * The items a digest would carry now: for a customer, those published since their last digest
 * (or since they were added), as at send time; for sample data, the latest ones.
 */
async function digestItems(
  rt: DbRuntime,
  automationId: string,
  customer: Customer | undefined,
  now: number,
): Promise<ContentItem[]> {
  const limit = rt.config.feed.items;
  if (!customer) return publishedContent(rt.db.knex, { now, limit });
  const since =
    (await lastSentAt(rt.db.knex, automationId, [customer.id])).get(customer.id) ?? customer.created_at;
  return publishedContent(rt.db.knex, { now, since, limit });
}
