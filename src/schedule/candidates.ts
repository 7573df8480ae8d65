/**
 * Which customers can have an occurrence in a planning window, per rule kind, as index-friendly
 * selections: cost follows the due set, not the customer count. Pure: the caller runs them.
 * Selections may over-include (a day's margin for time zones); the planner decides exactly.
 */
import { Cron } from 'croner';
import type { Automation } from '../config/schema.js';
import type { CustomerSelector } from '../db/customers.js';
import type { PlanPolicy, TimeWindow } from '../plan/types.js';
import type { TimeCache } from '../plan/time.js';
import { AT_SLACK, surveyEventType } from '../plan/rules.js';
import { ZONED_MAX_WINDOW, zonedSelector, type ZoneSet } from './zones.js';
import { monthDayKey } from '../db/rows.js';
import type { OccasionCalendar, Place } from '../occasions/resolve.js';
import { holidaySelector, occasionDates, occasionNear } from './holiday-candidates.js';

export type CandidateSource =
  | { kind: 'customers'; selector: CustomerSelector }
  | { kind: 'events'; type: string; from: number; to: number };

const DAY = 86_400_000;
/** Every zone is within 14 hours of UTC; a day's margin on each side also covers `at` moves. */
const ZONE_MARGIN = DAY;

/** With the customers' zones known, short windows select by zone (see zones.ts). */
export interface ZoneContext {
  zones: ZoneSet;
  policy: PlanPolicy;
  cache: TimeCache;
  /** For holiday rules: the occasions, and the (country, region) pairs customers are in. */
  occasions?: { calendar: OccasionCalendar; places: readonly Place[] };
}

export function candidateSources(
  automations: readonly Automation[],
  window: TimeWindow,
  zoned?: ZoneContext,
): CandidateSource[] {
  if (zoned && window.to - window.from <= ZONED_MAX_WINDOW) return zonedSources(automations, window, zoned);
  const sources: CandidateSource[] = [];
  const birthMd = new Set<number>();
  const sinceMd = new Set<number>();
  const dates = monthDaysBetween(window.from - ZONE_MARGIN, window.to + ZONE_MARGIN);
  for (const a of automations) {
    if (!a.enabled) continue;
    const on = a.on;
    if ('birthday' in on) dates.forEach((md) => birthMd.add(md));
    else if ('anniversary' in on) dates.forEach((md) => sinceMd.add(md));
    else if ('date' in on) {
      if (dates.has(monthDayKey(on.date) as number))
        return [{ kind: 'customers', selector: { kind: 'all' } }];
    } else if ('holiday' in on) {
      if (holidayNear(on.holiday, window, zoned)) return [{ kind: 'customers', selector: { kind: 'all' } }];
    } else if ('schedule' in on) {
      if (cronFiresBetween(on.schedule, window.from - ZONE_MARGIN, window.to + ZONE_MARGIN)) {
        return [{ kind: 'customers', selector: { kind: 'all' } }];
      }
    } else {
      sources.push(...eventSources(a, window));
    }
  }
  if (birthMd.size > 0)
    sources.push({ kind: 'customers', selector: { kind: 'birth_md', monthDays: withLeapDay(birthMd) } });
  if (sinceMd.size > 0)
    sources.push({ kind: 'customers', selector: { kind: 'since_md', monthDays: withLeapDay(sinceMd) } });
  return sources;
}

function zonedSources(
  automations: readonly Automation[],
  window: TimeWindow,
  z: ZoneContext,
): CandidateSource[] {
  const sources: CandidateSource[] = [];
  for (const a of automations) {
    if (!a.enabled) continue;
    const on = a.on;
    if ('holiday' in on) {
      const o = z.occasions;
      const dates = o
        ? occasionDates(on.holiday, o.places, window, o.calendar, z.policy.defaultCountry ?? null)
        : new Set<string>();
      const selector = holidaySelector(on.at, dates, z.zones, window, z.policy, z.cache);
      if (selector) sources.push({ kind: 'customers', selector });
      continue;
    }
    const column = 'birthday' in on ? 'birth_md' : 'anniversary' in on ? 'since_md' : null;
    if (column || 'date' in on || 'schedule' in on) {
      const selector = zonedSelector(a, column, z.zones, window, z.policy, z.cache);
      if (selector) sources.push({ kind: 'customers', selector });
    } else {
      sources.push(...eventSources(a, window));
    }
  }
  return sources;
}

/**
 * Event-driven rules select customers by when their events happened: the occurrence's nominal
 * time is the event's plus `after` (or `for`), which only an `at` moves, and only later. So the
 * events of just this window's slice, and with an `at` the few days before it as well — not a
 * day's worth on every tick.
 */
function eventSources(a: Automation, window: TimeWindow): CandidateSource[] {
  const on = a.on;
  const slack = 'at' in on && on.at !== undefined ? AT_SLACK : 0;
  if ('inactive' in on) {
    const from = window.from - on.inactive.for - slack;
    const to = window.to - on.inactive.for + 1;
    return [
      { kind: 'events', type: on.inactive.event, from, to },
      { kind: 'customers', selector: { kind: 'created_between', from, to } },
    ];
  }
  if ('survey' in on) {
    const type = surveyEventType(on.survey);
    return [{ kind: 'events', type, from: window.from - on.after - slack, to: window.to - on.after + 1 }];
  }
  if ('event' in on) {
    // With or without count: the (N-th) event's time + after, moved to `at`.
    return [
      { kind: 'events', type: on.event, from: window.from - on.after - slack, to: window.to - on.after + 1 },
    ];
  }
  return [];
}

/** Without the places customers are in, any window might hold the occasion somewhere. */
function holidayNear(key: string, window: TimeWindow, zoned: ZoneContext | undefined): boolean {
  const o = zoned?.occasions;
  if (!o) return true;
  return occasionNear(
    occasionDates(key, o.places, window, o.calendar, zoned.policy.defaultCountry ?? null),
    window,
  );
}

/** MMDD numbers of every UTC calendar day touching [from, to]; a year or more gives all days. */
function monthDaysBetween(from: number, to: number): Set<number> {
  const out = new Set<number>();
  const start = Math.floor(from / DAY) * DAY;
  for (let t = start; t <= to && out.size < 366; t += DAY) {
    const d = new Date(t);
    out.add((d.getUTCMonth() + 1) * 100 + d.getUTCDate());
  }
  return out;
}

/** Feb 29 birthdays are celebrated on Feb 28 or Mar 1 in other years: include them when either is near. */
function withLeapDay(mds: Set<number>): number[] {
  if (mds.has(228) || mds.has(301)) mds.add(229);
  return [...mds].sort((a, b) => a - b);
}

function cronFiresBetween(expr: string, from: number, to: number): boolean {
  const next = new Cron(expr, { paused: true, timezone: 'UTC' }).nextRun(new Date(from - 1));
  return next !== null && next.getTime() <= to;
}
