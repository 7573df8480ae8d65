/**
 * The planner's vocabulary. Planning is pure: these go in, PlannedDelivery[] comes out.
 */
import type { Automation } from '../config/schema.js';
import type { Customer, EventPoint } from '../domain.js';
import type { OccasionCalendar, OccasionDate } from '../occasions/resolve.js';

export interface PlanPolicy {
  /** Zone for customers without one. */
  defaultZone: string;
  leapDay: 'feb28' | 'mar1';
  /** Local quiet hours: non-transactional mail due outside waits for the next start (minutes after midnight). */
  sendWindow?: { start: number; end: number };
  maxLateness: number;
  /** Country of customers without one (business.country). */
  defaultCountry?: string | null;
  /** Customer-local days on which marketing mail waits for the next open day. */
  quietDays?: QuietDays;
}

/** `sending.quiet_days`, split for lookup: `MM-DD` every year, `YYYY-MM-DD` once. */
export interface QuietDays {
  monthDays: ReadonlySet<string>;
  dates: ReadonlySet<string>;
}

/** Half-open interval of instants [from, to), epoch ms. */
export interface TimeWindow {
  from: number;
  to: number;
}

export interface PlanInput {
  automations: readonly Automation[];
  customer: Customer;
  /** The customer's events that the automations may need, any order. */
  events: readonly EventPoint[];
  /** Occurrences whose nominal time falls in this window are planned. */
  window: TimeWindow;
  now: number;
  policy: PlanPolicy;
  /** Occasions for holiday rules (built from the config once per run). */
  occasions?: OccasionCalendar;
}

export type PlannedStatus = 'pending' | 'skipped' | 'expired';

export interface PlannedDelivery {
  automationId: string;
  customerId: string;
  /** The occurrence key: local year, event id, N, last-event date, or local slot. Unique with the two ids. */
  occurrence: string;
  /** When the rule says it is due (before the send window moves it), epoch ms. */
  triggerAt: number;
  /** When it may be sent, after the send window, epoch ms. */
  dueAt: number;
  /** The due time in the customer's zone, ISO 8601 with offset. */
  localTime: string;
  /** The event that triggered it, for event and count rules. */
  eventId: string | null;
  transactional: boolean;
  status: PlannedStatus;
  /** Why it is skipped or expired; null when pending. */
  reason: string | null;
  /** For holiday rules: which occasion, which date, and whose rule gave it. */
  occasion?: OccasionDate;
}
