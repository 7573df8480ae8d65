/** One imported event row → an EventInput, or the reasons it was refused. */
import { instant } from './dates.js';
import { eventData } from './extra.js';
import { id, optional } from './fields.js';
import { RowCheck } from './row.js';
import { email } from './email.js';
import { type Check, fail, isBlank, ok, show } from './text.js';
import type { EventInput, Validation } from './types.js';

export const EVENT_COLUMNS: ReadonlySet<string> = new Set([
  'id',
  'customer_id',
  'customer_email',
  'type',
  'occurred_at',
]);
export const EVENT_REQUIRED = ['id', 'customer_id', 'type', 'occurred_at'] as const;

/** How far ahead of `now` an event may be dated, to allow for clocks that disagree. */
const FUTURE_TOLERANCE_MS = 24 * 60 * 60 * 1000;

/** Event types, here and in the configuration's rules. */
export const EVENT_TYPE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Event types are compared without case: `Purchase` is stored, and fires rules, as `purchase`. */
function eventType(value: string): Check<string> {
  if (EVENT_TYPE.test(value)) return ok(value.toLowerCase());
  return fail(
    `${show(value)} is not an event type: use up to 64 letters, digits, "_", ".", ":" or "-", e.g. purchase`,
  );
}

/**
 * When the event happened. An event more than a day after `now` has not happened yet; a
 * mistyped year would otherwise count as "the last purchase" for years.
 */
function occurredAt(value: string, now: number): Check<number> {
  const at = instant(value);
  if (at.ok && at.value > now + FUTURE_TOLERANCE_MS) return fail(`${show(value)} is in the future`);
  return at;
}

/**
 * Columns other than the known ones become the event's data. Without a customer id, a
 * `customer_email` names the customer; the import resolves it to an id.
 */
export function validateEvent(
  record: Record<string, unknown>,
  line: number,
  now: number,
): Validation<EventInput> {
  const row = new RowCheck(line);
  const byEmail = isBlank(record.customer_id) && !isBlank(record.customer_email);
  const value: EventInput = {
    id: row.required('id', id(record.id), ''),
    customer_id: byEmail ? '' : row.required('customer_id', id(record.customer_id), ''),
    type: row.required('type', optional(record.type, eventType), ''),
    occurred_at: row.required(
      'occurred_at',
      optional(record.occurred_at, (s) => occurredAt(s, now)),
      0,
    ),
    data: eventData(record, EVENT_COLUMNS, row),
  };
  if (byEmail) value.customer_email = row.required('customer_email', email(record.customer_email), '');
  return row.result(value);
}
