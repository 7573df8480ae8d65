/**
 * The editor's preview and test send: the draft rendered as a real customer would get it (their
 * own data, their latest matching event, the digest items they would get now), or with sample
 * data when there are no customers; sent to a staff address through the configured relay.
 */
import { randomBytes } from 'node:crypto';
import { searchCustomers, sampleCustomerId, type CustomerMatch } from '../../db/customers-search.js';
import type { Database } from '../../db/connect.js';
import { AppError } from '../../errors.js';
import { email } from '../../import/email.js';
import { renderPreview, type PreviewInput } from '../../outreach/preview.js';
import { sendTestMessage } from '../../outreach/send-test.js';
import type { DbRuntime } from '../../runtime.js';
import { checkDraft, draftUnit, type DraftContent } from './check.js';

export interface PreviewAsInput extends DraftContent {
  /** Default: a customer with a matching event (event templates), else the first; none: sample data. */
  customerId?: string;
  /** Default: that customer's latest event of the automation's type. */
  eventId?: string;
}

export interface PreviewResult {
  subject: string;
  html: string;
  text: string;
  /** The real customer shown; null for sample data. */
  customer: CustomerMatch | null;
  event: { id: string; type: string; occurredAt: number } | null;
  /** The draft's problems as `html:7: message`; with an error the published version is shown. */
  warnings: string[];
}

export async function previewAs(rt: DbRuntime, input: PreviewAsInput): Promise<PreviewResult> {
  const preview = await renderPreview(rt, await previewInput(rt, input));
  const problems = await checkDraft({ db: rt.db, automations: rt.config.automations }, input);
  const { customer, event, message } = preview;
  return {
    subject: message.subject,
    html: message.html,
    text: message.text,
    customer: customer
      ? {
          id: customer.id,
          email: customer.email,
          first_name: customer.first_name,
          last_name: customer.last_name,
        }
      : null,
    event: event ? { id: event.id, type: event.type, occurredAt: event.occurred_at } : null,
    warnings: problems.map((p) => `${p.tab}:${p.line}: ${p.message}`),
  };
}

async function previewInput(rt: DbRuntime, input: PreviewAsInput): Promise<PreviewInput> {
  const unit = draftUnit(input);
  const out: PreviewInput = {
    template: unit.name,
    content: { subject: unit.subject, html: unit.html, text: unit.text },
  };
  if (unit.locale !== '') out.locale = unit.locale;
  if (input.eventId !== undefined) out.eventId = input.eventId;
  const automation = rt.config.automations.find((a) => a.template === unit.name);
  const eventType = automation && 'event' in automation.on ? automation.on.event : undefined;
  const customerId =
    input.customerId ??
    (input.eventId === undefined ? await sampleCustomerId(rt.db.knex, eventType) : undefined);
  if (customerId !== undefined) out.customerId = customerId;
  return out;
}

/** Customers by id, start of address, or part of a name or address: for the preview's picker. */
export function findCustomersForPreview(db: Database, query: string, limit = 10): Promise<CustomerMatch[]> {
  return searchCustomers(db.knex, query.slice(0, 200), Math.min(Math.max(limit, 1), 50));
}

/**
 * Test sends per author in a sliding window, in this process's memory: a test send is a staff
 * convenience, so a limit that resets on restart and counts per worker is enough to stop a
 * stuck button or a script from mailing a relay's quota away.
 */
export class TestSendLimiter {
  private readonly sent = new Map<string, number[]>();

  constructor(
    readonly max = 10,
    readonly windowMs = 10 * 60_000,
  ) {}

  /** Counts one send for `author` at `now`, or refuses it with E_RATE_LIMITED. */
  take(author: string, now: number): void {
    const recent = (this.sent.get(author) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.max) {
      const again = new Date((recent[0] ?? now) + this.windowMs).toISOString().slice(11, 16);
      throw new AppError(
        'E_RATE_LIMITED',
        `${author} sent ${recent.length} test messages in the last ${this.windowMs / 60_000} minutes, the most allowed; try again after ${again} UTC`,
      );
    }
    recent.push(now);
    this.sent.set(author, recent);
  }
}

export interface SendTestInput {
  to: string;
  name: string;
  locale?: string;
  draft: Pick<DraftContent, 'subject' | 'html' | 'text'>;
  customerId?: string;
  author: string;
}

/** Sends the draft, rendered as previewAs shows it, to `to` with the subject prefixed `[Test] `. */
export async function sendTest(
  rt: DbRuntime,
  limiter: TestSendLimiter,
  input: SendTestInput,
): Promise<{ subject: string; to: string; response: string }> {
  const checked = email(input.to.trim());
  if (!checked.ok || checked.value === null)
    throw new AppError('E_USAGE', `to: "${input.to}" is not an email address`);
  const draft = { name: input.name, locale: input.locale ?? '', ...input.draft };
  const request = await previewInput(rt, {
    ...draft,
    ...(input.customerId ? { customerId: input.customerId } : {}),
  });
  limiter.take(input.author, rt.now());
  const sent = await sendTestMessage(rt, request, checked.value);
  return { subject: `[Test] ${sent.preview.message.subject}`, to: checked.value, response: sent.response };
}

/**
 * Rendered previews held briefly for the sandboxed iframe's GET route: the POST that renders
 * returns a token, the frame fetches the HTML by it. Bounded in count and age.
 */
export class PreviewStore {
  private readonly items = new Map<string, { html: string; at: number }>();

  constructor(
    private readonly max = 200,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  put(html: string, now: number): string {
    const token = randomBytes(16).toString('base64url');
    this.items.set(token, { html, at: now });
    for (const [key, item] of this.items)
      if (this.items.size > this.max || item.at <= now - this.ttlMs) this.items.delete(key);
    return token;
  }

  get(token: string, now: number): string | undefined {
    const item = this.items.get(token);
    return item && item.at > now - this.ttlMs ? item.html : undefined;
  }
}
