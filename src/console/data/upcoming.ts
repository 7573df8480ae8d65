/**
 * What will be sent in the coming days, as the console shows it: read from the stored forecast
 * (the daemon rebuilds it, see schedule/upcoming-refresher.ts), by the business's day and
 * automation, a page of each day at a time; the few sends shown are checked against the books,
 * so one skipped or sent since the forecast was built shows as such. And skipping one send.
 */
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import type { DbRuntime } from '../../runtime.js';
import { getCustomer } from '../../db/customers.js';
import { moreCustomersThan } from '../../db/customers-console.js';
import { bookedKeys, skipPlanned, STAFF_SKIP, type SkipKey } from '../../db/deliveries-console.js';
import { getBroadcast } from '../../db/broadcasts.js';
import { readRevision } from '../../db/outreach-revision.js';
import {
  dayCounts,
  dayLines,
  markLineSkipped,
  type LineCursor,
  type StoredLine,
} from '../../db/upcoming-lines.js';
import { readUpcomingState, requestUpcomingRefresh, type UpcomingState } from '../../db/upcoming-state.js';
import { broadcastIdOf } from '../../broadcasts/types.js';
import { buildUpcoming } from '../../schedule/upcoming-build.js';
import { refreshReason } from '../../schedule/upcoming-refresher.js';
import type { DeliveryStatus } from '../../domain.js';
import { AppError } from '../../errors.js';
import { deliveryKeyText } from '../../delivery-key.js';
import { reasonInWords } from './reasons.js';

/** A request builds the forecast itself only when that is known to take less than this. */
const INLINE_BUILD_MS = 1_000;
/** With no forecast yet, a database this small is forecast inside the request. */
const INLINE_CUSTOMERS = 5_000;
/** Names this process in the lease when a request builds. */
const OWNER = `console:${process.pid}:${randomBytes(3).toString('hex')}`;

export interface UpcomingSend {
  automation: string;
  customer_id: string;
  email: string;
  occurrence: string;
  /** ISO 8601 UTC */
  utc: string;
  /** The customer's local time, ISO 8601 with offset. */
  local: string;
  /** What the forecast said, or what the books say now. */
  outcome: 'send' | 'skip';
  why: string | null;
  /** The books' status when it moved past pending since the forecast (sent, skipped, sending...). */
  status: DeliveryStatus | null;
  skipped_by: string | null;
}

export interface UpcomingDay {
  /** YYYY-MM-DD in the business's time zone. */
  day: string;
  automations: Array<{ automation: string; sends: number; held: number }>;
  total: number;
  sends: UpcomingSend[];
  /** Where the next page of this day starts, when there is one. */
  next: LineCursor | null;
}

export interface UpcomingView {
  state: UpcomingState;
  days: UpcomingDay[];
}

export interface ViewOptions {
  /** The day being paged through, and after which send. */
  day: string | null;
  after: LineCursor | null;
  perDay: number;
  pageSize: number;
}

export async function upcomingView(rt: DbRuntime, o: ViewOptions): Promise<UpcomingView> {
  await buildIfCheap(rt, 'console');
  const state = await readUpcomingState(rt.db.knex);
  if (state.generation === null) return { state, days: [] };
  const generation = state.generation;
  const today = DateTime.fromMillis(rt.now(), { zone: rt.config.business.timezone }).toISODate() as string;
  const byDay = new Map<string, UpcomingDay>();
  for (const c of await dayCounts(rt.db.knex, generation)) {
    if (c.day < today) continue;
    const d = byDay.get(c.day) ?? { day: c.day, automations: [], total: 0, sends: [], next: null };
    d.automations.push({ automation: c.automation_id, sends: c.sends, held: c.held });
    d.total += c.sends + c.held;
    byDay.set(c.day, d);
  }
  const days = [...byDay.values()];
  for (const d of days) {
    const paging = d.day === o.day;
    const limit = paging ? o.pageSize : o.perDay;
    const lines = await dayLines(rt.db.knex, generation, d.day, paging ? o.after : null, limit + 1);
    const last = lines[limit - 1];
    d.next =
      lines.length > limit && last
        ? { automation: last.automation_id, dueAt: last.due_at, id: last.id }
        : null;
    d.sends = lines.slice(0, limit).map(toSend);
  }
  await overlayBooks(
    rt,
    days.flatMap((d) => d.sends),
  );
  return { state, days };
}

function toSend(l: StoredLine): UpcomingSend {
  return {
    automation: l.automation_id,
    customer_id: l.customer_id,
    email: l.email,
    occurrence: l.occurrence,
    utc: new Date(l.due_at).toISOString(),
    local: l.local_time,
    outcome: l.outcome,
    why: reasonInWords(l.reason),
    status: null,
    skipped_by: l.skipped_by,
  };
}

/** The sends shown, as the books have them now: skipped or sent since the forecast was built. */
async function overlayBooks(rt: DbRuntime, sends: UpcomingSend[]): Promise<void> {
  const key = (s: UpcomingSend): SkipKey => ({
    automationId: s.automation,
    customerId: s.customer_id,
    occurrence: s.occurrence,
  });
  const books = await bookedKeys(rt.db.knex, sends.map(key));
  for (const s of sends) {
    const b = books.get(deliveryKeyText(key(s)));
    if (!b || b.status === 'pending') continue;
    s.status = b.status;
    if (b.status === 'skipped') {
      s.outcome = 'skip';
      s.skipped_by = b.skipped_by;
      if (b.skipped_by) s.why = reasonInWords(STAFF_SKIP);
    }
  }
}

/**
 * Builds the forecast inside a request when it is missing, stale or asked for, and that is
 * cheap: the last build took under a second, or there is none and the database is small.
 * Otherwise the daemon's refresher builds it and the request shows what is stored.
 */
async function buildIfCheap(rt: DbRuntime, by: string, asked = false): Promise<void> {
  const knex = rt.db.knex;
  const state = await readUpcomingState(knex);
  const reason = refreshReason(state, await readRevision(knex), rt.now(), rt.config.console.upcoming_refresh);
  if (reason === null && !asked) return;
  const cheap =
    state.buildMs !== null
      ? state.buildMs < INLINE_BUILD_MS
      : state.generation === null && !(await moreCustomersThan(knex, INLINE_CUSTOMERS));
  if (!cheap) return;
  await buildUpcoming(rt.db, rt.config, { now: rt.now, owner: OWNER, by });
}

/** "Refresh now": recorded for whichever worker looks next, and built at once when that is cheap. */
export async function refreshUpcoming(rt: DbRuntime, who: string): Promise<'built' | 'requested'> {
  await requestUpcomingRefresh(rt.db.knex, who, rt.now());
  const before = (await readUpcomingState(rt.db.knex)).generation;
  await buildIfCheap(rt, who, true);
  return (await readUpcomingState(rt.db.knex)).generation !== before ? 'built' : 'requested';
}

/**
 * Skips one planned send (a key from the page, due at `utc`), recorded with its author, in the
 * books and in the stored forecast. It holds whether or not the planner has stored the send yet:
 * the planner never plans a key twice. Returns the key's status afterwards ('skipped', or what
 * it already was: sent, sending...).
 */
export async function skipUpcoming(
  rt: DbRuntime,
  key: SkipKey & { utc: string },
  author: string,
): Promise<DeliveryStatus> {
  const who = author.trim();
  if (who === '') throw new AppError('E_USAGE', 'author: say who skips the send');
  await checkAutomation(rt, key.automationId);
  if (!(await getCustomer(rt.db.knex, key.customerId)))
    throw new AppError('E_NOT_FOUND', `customer: no customer with id "${key.customerId}"`);
  const dueAt = Date.parse(key.utc);
  if (!Number.isFinite(dueAt)) throw new AppError('E_USAGE', `utc: "${key.utc}" is not an ISO 8601 time`);
  if (key.occurrence === '' || key.occurrence.length > 200)
    throw new AppError('E_USAGE', `occurrence: "${key.occurrence.slice(0, 40)}" is not an occurrence key`);
  const status = await skipPlanned(rt.db.knex, key, who, dueAt, rt.now());
  const { generation } = await readUpcomingState(rt.db.knex);
  if (status === 'skipped' && generation !== null)
    await markLineSkipped(rt.db.knex, generation, key, who, STAFF_SKIP);
  return status;
}

/** An automation of the live set, or a broadcast that is still to be sent. */
async function checkAutomation(rt: DbRuntime, automationId: string): Promise<void> {
  const broadcastId = broadcastIdOf(automationId);
  if (broadcastId !== null) {
    const b = await getBroadcast(rt.db.knex, broadcastId);
    if (!b) throw new AppError('E_NOT_FOUND', `automation: no broadcast "${automationId}"`);
    if (b.status === 'cancelled')
      throw new AppError('E_USAGE', `automation: broadcast "${automationId}" is cancelled; nothing to skip`);
    return;
  }
  if (!rt.config.automations.some((a) => a.id === automationId))
    throw new AppError('E_NOT_FOUND', `automation: no automation "${automationId}" in the configuration`);
}
