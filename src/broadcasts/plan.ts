/**
 * When each customer gets a broadcast: at once, or at a local time in their own zone — on the
 * given date, or the next time that local time comes round after the broadcast was created.
 * Marketing broadcasts then wait for the send window and quiet days; transactional ones do not.
 * Pure: the broadcast, the customer, `now` and the policy are arguments.
 */
import type { Customer } from '../domain.js';
import { AppError } from '../errors.js';
import { customerZone } from '../plan/plan.js';
import { applyMarketingHours } from '../plan/send-window.js';
import { localIso, nextLocalTime, type TimeCache } from '../plan/time.js';
import type { PlanPolicy, PlannedDelivery } from '../plan/types.js';
import { DUPLICATE_ADDRESS } from '../plan/shared-address.js';
import { BROADCAST_OCCURRENCE, broadcastAutomationId, type Broadcast, type SendAt } from './types.js';

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `--at HH:MM [--date YYYY-MM-DD]` or `--now` as a SendAt; refused naming the option. */
export function parseSendAt(at: string | undefined, date: string | undefined, now: boolean): SendAt {
  if (now && at !== undefined) throw new AppError('E_USAGE', '--now and --at: give one of them');
  if (at === undefined) {
    if (date !== undefined) throw new AppError('E_USAGE', '--date needs --at HH:MM');
    return { kind: 'now' };
  }
  if (!TIME.test(at)) throw new AppError('E_USAGE', `--at: "${at}" is not a time (HH:MM)`);
  if (date !== undefined && !isDate(date)) {
    throw new AppError('E_USAGE', `--date: "${date}" is not a date (YYYY-MM-DD)`);
  }
  return { kind: 'at', time: at, date: date ?? null };
}

function isDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

function minuteOfDay(time: string): number {
  const m = TIME.exec(time) as RegExpExecArray;
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The instant the broadcast is due for a customer in `zone`, before the send window. */
function broadcastTriggerAt(sendAt: SendAt, createdAt: number, zone: string, cache: TimeCache): number {
  if (sendAt.kind === 'now') return createdAt;
  const minutes = minuteOfDay(sendAt.time);
  if (sendAt.date === null) return nextLocalTime(cache, zone, createdAt, minutes);
  const [year, month, day] = sendAt.date.split('-').map(Number) as [number, number, number];
  return cache.resolveDate(zone, { year, month, day }, minutes);
}

/** The latest zone on earth (UTC−12): a date whose time has passed there has passed everywhere. */
const LAST_ZONE = 'Etc/GMT+12';

/** Refuses a date and time that has already passed in every time zone. */
export function checkNotPast(sendAt: SendAt, now: number, cache: TimeCache): void {
  if (sendAt.kind !== 'at' || sendAt.date === null) return;
  if (broadcastTriggerAt(sendAt, now, LAST_ZONE, cache) < now) {
    throw new AppError(
      'E_USAGE',
      `--date ${sendAt.date} --at ${sendAt.time} has passed in every time zone: choose a later date`,
    );
  }
}

/**
 * One customer's delivery of the broadcast; `ownsAddress` false marks it skipped as another
 * record at the same address gets the copy.
 */
export function planBroadcastFor(
  broadcast: Broadcast,
  customer: Customer,
  ownsAddress: boolean,
  now: number,
  policy: PlanPolicy,
  cache: TimeCache,
): PlannedDelivery {
  const zone = customerZone(customer, policy, cache);
  const triggerAt = broadcastTriggerAt(broadcast.sendAt, broadcast.createdAt, zone, cache);
  const dueAt = broadcast.transactional
    ? triggerAt
    : applyMarketingHours(cache, zone, triggerAt, policy.sendWindow, policy.quietDays);
  const verdict = !ownsAddress
    ? { status: 'skipped' as const, reason: DUPLICATE_ADDRESS }
    : now - dueAt > policy.maxLateness
      ? { status: 'expired' as const, reason: 'expired' }
      : { status: 'pending' as const, reason: null };
  return {
    automationId: broadcastAutomationId(broadcast.id),
    customerId: customer.id,
    occurrence: BROADCAST_OCCURRENCE,
    triggerAt,
    dueAt,
    localTime: localIso(cache, zone, dueAt),
    eventId: null,
    transactional: broadcast.transactional,
    ...verdict,
  };
}
