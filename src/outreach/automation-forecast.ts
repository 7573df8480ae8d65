/**
 * What a change to one automation does to what is planned: the forecast `rapport upcoming`
 * shows, for the next days, with the automations as they are and as they would be.
 */
import type { Automation, Config } from '../config/schema.js';
import { countPendingOf } from '../db/deliveries.js';
import type { DbRuntime } from '../runtime.js';
import { forecast, type ForecastLine } from '../schedule/forecast.js';
import { deliveryKeyText } from '../delivery-key.js';

export interface ChangeSample {
  change: 'add' | 'move' | 'cancel';
  automation: string;
  customer_id: string;
  occurrence: string;
  /** The send time before (move, cancel) and after (add, move). */
  before: string | null;
  after: string | null;
}

export interface ChangeForecast {
  days: number;
  /** Messages that would be sent with the change and are not without it. */
  adds: number;
  /** Messages sent either way, at another time. */
  moves: number;
  /** Messages that would no longer be sent. */
  cancels: number;
  /** Deliveries of the automation already planned and not yet claimed (see the README). */
  pending_affected: number;
  /** The first few of each, for people to check. */
  samples: ChangeSample[];
}

const SAMPLES = 10;

/**
 * Compares the forecast over `days` from now with the automation replaced by `next` (its id
 * may be new: then it is added). Writes nothing.
 */
export async function forecastAutomationChange(
  rt: DbRuntime,
  id: string,
  next: Automation,
  options: { days: number } = { days: 7 },
): Promise<ChangeForecast> {
  const from = rt.now();
  const to = from + options.days * 86_400_000;
  const current = rt.config.automations;
  const replaced = current.some((a) => a.id === id)
    ? current.map((a) => (a.id === id ? next : a))
    : [...current, next];
  const before = await sends(rt, rt.config, from, to);
  const after = await sends(rt, { ...rt.config, automations: replaced }, from, to);
  return {
    ...compareForecasts(before, after),
    days: options.days,
    pending_affected: await countPendingOf(rt.db.knex, id),
  };
}

async function sends(
  rt: DbRuntime,
  config: Config,
  from: number,
  to: number,
): Promise<Map<string, ForecastLine>> {
  const out = new Map<string, ForecastLine>();
  await forecast(rt.db, config, {
    from,
    to,
    useBooks: true,
    onLines: (lines) => {
      for (const l of lines)
        if (l.outcome === 'send')
          out.set(
            deliveryKeyText({
              automationId: l.automation,
              customerId: l.customer_id,
              occurrence: l.occurrence,
            }),
            l,
          );
    },
  });
  return out;
}

/** Adds, moves and cancels between two forecasts keyed by automation, customer and occurrence. */
function compareForecasts(
  before: ReadonlyMap<string, ForecastLine>,
  after: ReadonlyMap<string, ForecastLine>,
): Omit<ChangeForecast, 'days' | 'pending_affected'> {
  const result = { adds: 0, moves: 0, cancels: 0, samples: [] as ChangeSample[] };
  const sample = (
    change: ChangeSample['change'],
    was: ForecastLine | undefined,
    now: ForecastLine | undefined,
  ) => {
    const line = (now ?? was) as ForecastLine;
    if (result.samples.filter((s) => s.change === change).length >= SAMPLES) return;
    result.samples.push({
      change,
      automation: line.automation,
      customer_id: line.customer_id,
      occurrence: line.occurrence,
      before: was?.send_at ?? null,
      after: now?.send_at ?? null,
    });
  };
  for (const [key, now] of after) {
    const was = before.get(key);
    if (!was) {
      result.adds++;
      sample('add', undefined, now);
    } else if (was.send_at !== now.send_at) {
      result.moves++;
      sample('move', was, now);
    }
  }
  for (const [key, was] of before) {
    if (after.has(key)) continue;
    result.cancels++;
    sample('cancel', was, undefined);
  }
  return result;
}
