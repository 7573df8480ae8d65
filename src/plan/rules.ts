/**
 * When each rule is due (the README's "When each rule is due"): for one customer and one
 * trigger, the occurrences whose nominal time (triggerAt) falls in the window [from, to).
 */
import type { Trigger } from '../config/schema.js';
import type { Customer, EventPoint } from '../domain.js';
import { DAY_MS, formatDate, fromNaive, naiveOf, parseMonthDay, yearlyDate } from './calendar.js';
import type { TriggerPoint } from './exit-condition.js';
import { scheduleSlots } from './schedule.js';
import { holidayOccurrences, occasionCustomer } from './holiday.js';
import type { OccasionCalendar, OccasionDate } from '../occasions/resolve.js';
import type { TimeCache } from './time.js';
import { nextLocalTime } from './time.js';
import type { PlanPolicy, TimeWindow } from './types.js';

/** `at` when a yearly rule does not say. */
export const DEFAULT_AT = 9 * 60;

export interface Occurrence {
  occurrence: string;
  triggerAt: number;
  eventId: string | null;
  /** What `unless` is measured from. */
  trigger: TriggerPoint;
  /** For holiday rules: which occasion, date and rule. */
  occasion?: OccasionDate;
}

export interface RuleContext {
  customer: Customer;
  /** The customer's zone, already defaulted and validated. */
  zone: string;
  /** The customer's events, any order. */
  events: readonly EventPoint[];
  window: TimeWindow;
  policy: Pick<PlanPolicy, 'leapDay' | 'defaultCountry'>;
  cache: TimeCache;
  /** The occasions holiday rules look up; without one they plan nothing. */
  occasions?: OccasionCalendar | undefined;
}

const inWindow = (window: TimeWindow, t: number): boolean => t >= window.from && t < window.to;

/** The occurrences of one trigger in the context's window, in no particular order. */
export function occurrencesOf(trigger: Trigger, ctx: RuleContext): Occurrence[] {
  if (ctx.window.to <= ctx.window.from) return [];
  if ('birthday' in trigger) return birthdays(ctx, trigger.at ?? DEFAULT_AT);
  if ('anniversary' in trigger) return anniversaries(ctx, trigger.at ?? DEFAULT_AT);
  if ('date' in trigger) {
    const date = parseMonthDay(trigger.date);
    return date ? yearly(ctx, date.month, date.day, trigger.at ?? DEFAULT_AT, null) : [];
  }
  if ('inactive' in trigger) return inactivity(ctx, trigger.inactive, trigger.at);
  if ('holiday' in trigger) return holidays(ctx, trigger.holiday, trigger.at ?? DEFAULT_AT);
  if ('schedule' in trigger) {
    return scheduleSlots(trigger.schedule, ctx.zone, ctx.window, ctx.cache).map((slot) => ({
      occurrence: slot.local,
      triggerAt: slot.at,
      eventId: null,
      trigger: { id: null, occurred_at: slot.at },
    }));
  }
  if ('survey' in trigger) return eachEvent(ctx, { ...trigger, event: surveyEventType(trigger.survey) });
  return trigger.count === undefined ? eachEvent(ctx, trigger) : nthEvent(ctx, trigger, trigger.count);
}

function holidays(ctx: RuleContext, key: string, at: number): Occurrence[] {
  if (!ctx.occasions) return [];
  const who = occasionCustomer(ctx.customer, ctx.policy.defaultCountry ?? null);
  return holidayOccurrences(key, at, who, ctx.zone, ctx.window, ctx.occasions, ctx.cache).map((h) => ({
    occurrence: String(h.year),
    triggerAt: h.triggerAt,
    eventId: null,
    trigger: { id: null, occurred_at: h.triggerAt },
    occasion: h.occasion,
  }));
}

/** The event a survey answer records (see src/surveys), which `on: { survey: low|high }` follows. */
export function surveyEventType(level: 'low' | 'high'): string {
  return `survey.${level}`;
}

function birthdays(ctx: RuleContext, at: number): Occurrence[] {
  const birthday = ctx.customer.birthday === null ? undefined : parseMonthDay(ctx.customer.birthday);
  if (!birthday) return [];
  // The day someone is born is not a birthday to greet.
  const firstYear = birthday.year === null ? null : birthday.year + 1;
  return yearly(ctx, birthday.month, birthday.day, at, firstYear);
}

function anniversaries(ctx: RuleContext, at: number): Occurrence[] {
  const since = ctx.customer.customer_since === null ? undefined : parseMonthDay(ctx.customer.customer_since);
  if (!since || since.year === null) return [];
  return yearly(ctx, since.month, since.day, at, since.year + 1);
}

/** month-day at `at` local time in every local year the window can touch (from firstYear). */
function yearly(
  ctx: RuleContext,
  month: number,
  day: number,
  at: number,
  firstYear: number | null,
): Occurrence[] {
  const { cache, zone, window } = ctx;
  // One year of margin each side: a moved time or a repeated hour can cross New Year.
  const fromYear = cache.localDateTime(zone, window.from).year - 1;
  const toYear = cache.localDateTime(zone, window.to).year + 1;
  const out: Occurrence[] = [];
  for (let year = Math.max(fromYear, firstYear ?? fromYear); year <= toYear; year++) {
    const date = yearlyDate(year, month, day, ctx.policy.leapDay);
    // No zone is a day from UTC: a date that far from the window needs no zone arithmetic
    // (most customers a tick looks at have their birthday on another day; measured when profiling a 1M-customer tick).
    const naive = naiveOf(date.year, date.month, date.day, at);
    if (naive + DAY_MS < window.from || naive - DAY_MS >= window.to) continue;
    const triggerAt = cache.resolveDate(zone, date, at);
    if (inWindow(window, triggerAt)) {
      out.push({
        occurrence: String(year),
        triggerAt,
        eventId: null,
        trigger: { id: null, occurred_at: triggerAt },
      });
    }
  }
  return out;
}

interface EventTrigger {
  event: string;
  after: number;
  at?: number | undefined;
}

/** `instant`, moved to the next `at` local time when the rule has one. */
function delayed(ctx: RuleContext, instant: number, at: number | undefined): number {
  return at === undefined ? instant : nextLocalTime(ctx.cache, ctx.zone, instant, at);
}

/**
 * How far an `at` can move a time forward: to the next such local time, less than a day later
 * (a day and an hour across a DST change), or less than two days across a day a zone skipped
 * (Apia, 2011-12-30). The planner's cheap bound and the tick's event selection both use it.
 */
export const AT_SLACK = 2 * DAY_MS;

/** Cheap bounds first: most anchors are far from the window and need no zone arithmetic. */
function nearWindow(window: TimeWindow, earliest: number, at: number | undefined): boolean {
  const latest = at === undefined ? earliest : earliest + AT_SLACK;
  return earliest < window.to && latest >= window.from;
}

function eventOccurrence(
  ctx: RuleContext,
  event: EventPoint,
  trigger: EventTrigger,
  key: string,
): Occurrence[] {
  const earliest = event.occurred_at + trigger.after;
  if (!nearWindow(ctx.window, earliest, trigger.at)) return [];
  const triggerAt = delayed(ctx, earliest, trigger.at);
  if (!inWindow(ctx.window, triggerAt)) return [];
  return [
    {
      occurrence: key,
      triggerAt,
      eventId: event.id,
      trigger: { id: event.id, occurred_at: event.occurred_at },
    },
  ];
}

function eventsOfType(ctx: RuleContext, type: string): EventPoint[] {
  return ctx.events.filter((e) => e.type === type && e.customer_id === ctx.customer.id);
}

function eachEvent(ctx: RuleContext, trigger: EventTrigger): Occurrence[] {
  return eventsOfType(ctx, trigger.event).flatMap((e) => eventOccurrence(ctx, e, trigger, e.id));
}

const byTimeThenId = (a: EventPoint, b: EventPoint): number =>
  a.occurred_at - b.occurred_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function nthEvent(ctx: RuleContext, trigger: EventTrigger, n: number): Occurrence[] {
  const nth = eventsOfType(ctx, trigger.event).sort(byTimeThenId)[n - 1];
  return nth ? eventOccurrence(ctx, nth, trigger, String(n)) : [];
}

/**
 * One occurrence per inactivity spell: `for` after the latest such event (or after the
 * customer was added), keyed by the anchor's UTC date. A new event starts a new spell.
 */
function inactivity(
  ctx: RuleContext,
  rule: { event: string; for: number },
  at: number | undefined,
): Occurrence[] {
  let anchor = ctx.customer.created_at;
  let latest: EventPoint | undefined;
  for (const e of eventsOfType(ctx, rule.event)) {
    if (!latest || byTimeThenId(e, latest) > 0) latest = e;
  }
  if (latest) anchor = latest.occurred_at;
  if (!nearWindow(ctx.window, anchor + rule.for, at)) return [];
  const triggerAt = delayed(ctx, anchor + rule.for, at);
  if (!inWindow(ctx.window, triggerAt)) return [];
  // The anchor's UTC date: a key that does not change when the customer moves zone, so a spell
  // greeted before the move is not greeted again after it.
  const occurrence = formatDate(fromNaive(anchor));
  return [{ occurrence, triggerAt, eventId: null, trigger: { id: null, occurred_at: triggerAt } }];
}
