/**
 * What will be sent in the coming days (the forecast `rapport upcoming` prints), grouped by the
 * business's day and automation; and skipping one planned send by hand.
 */
import { DateTime } from 'luxon';
import type { DbRuntime } from '../../runtime.js';
import { forecast, type ForecastLine } from '../../schedule/forecast.js';
import { getCustomer } from '../../db/customers.js';
import { skipPlanned, type SkipKey } from '../../db/deliveries-console.js';
import type { DeliveryStatus } from '../../domain.js';
import { AppError } from '../../errors.js';
import { reasonInWords } from './reasons.js';

const DAY = 86_400_000;

export interface UpcomingSend {
  automation: string;
  customer_id: string;
  email: string;
  occurrence: string;
  /** ISO 8601 UTC */
  utc: string;
  /** The customer's local time, ISO 8601 with offset. */
  local: string;
  outcome: 'send' | 'skip';
  why: string | null;
}

export interface UpcomingDay {
  /** YYYY-MM-DD in the business's time zone. */
  day: string;
  automations: Array<{ automation: string; sends: UpcomingSend[] }>;
}

export async function upcoming(rt: DbRuntime, o: { days?: number } = {}): Promise<UpcomingDay[]> {
  const days = o.days ?? 14;
  if (!Number.isInteger(days) || days < 1 || days > 366)
    throw new AppError('E_USAGE', `days: ${days} is not a number of days between 1 and 366`);
  const from = rt.now();
  const lines: ForecastLine[] = [];
  await forecast(rt.db, rt.config, {
    from,
    to: from + days * DAY,
    useBooks: true,
    onLines: (l) => void lines.push(...l),
  });
  lines.sort((a, b) => a.send_at.localeCompare(b.send_at) || a.customer_id.localeCompare(b.customer_id));
  const zone = rt.config.business.timezone;
  const out = new Map<string, Map<string, UpcomingSend[]>>();
  for (const l of lines) {
    const day = DateTime.fromISO(l.send_at, { zone }).toISODate() as string;
    const byAutomation = out.get(day) ?? new Map<string, UpcomingSend[]>();
    const sends = byAutomation.get(l.automation) ?? [];
    sends.push({
      automation: l.automation,
      customer_id: l.customer_id,
      email: l.email,
      occurrence: l.occurrence,
      utc: l.send_at,
      local: l.local_time,
      outcome: l.outcome,
      why: reasonInWords(l.reason),
    });
    byAutomation.set(l.automation, sends);
    out.set(day, byAutomation);
  }
  return [...out].map(([day, m]) => ({
    day,
    automations: [...m].map(([automation, sends]) => ({ automation, sends })),
  }));
}

/**
 * Skips one planned send (a key from `upcoming`, due at `utc`), recorded with its author. It
 * holds whether or not the planner has stored the send yet: the planner never plans a key twice.
 * Returns the key's status afterwards ('skipped', or what it already was: sent, sending...).
 */
export async function skipUpcoming(
  rt: DbRuntime,
  key: SkipKey & { utc: string },
  author: string,
): Promise<DeliveryStatus> {
  const who = author.trim();
  if (who === '') throw new AppError('E_USAGE', 'author: say who skips the send');
  if (!rt.config.automations.some((a) => a.id === key.automationId))
    throw new AppError('E_NOT_FOUND', `automation: no automation "${key.automationId}" in the configuration`);
  if (!(await getCustomer(rt.db.knex, key.customerId)))
    throw new AppError('E_NOT_FOUND', `customer: no customer with id "${key.customerId}"`);
  const dueAt = Date.parse(key.utc);
  if (!Number.isFinite(dueAt)) throw new AppError('E_USAGE', `utc: "${key.utc}" is not an ISO 8601 time`);
  if (key.occurrence === '' || key.occurrence.length > 200)
    throw new AppError('E_USAGE', `occurrence: "${key.occurrence.slice(0, 40)}" is not an occurrence key`);
  return skipPlanned(rt.db.knex, key, who, dueAt, rt.now());
}
