/**
 * Every worker's health as the dashboard states it, from the rows the workers write: alive,
 * stopped, or not heard from (no heartbeat within three intervals); the relay and the circuit
 * breaker each worker last reported; and an overall verdict in words. Pure: `now` is passed in.
 */
import type { BreakerState, WorkerStatusRow } from '../db/worker-status.js';

/** Heartbeats a worker may miss before it counts as not heard from. */
const MISSED_BEATS = 3;

export type Liveness = 'alive' | 'stopped' | 'silent';

export interface WorkerView {
  row: WorkerStatusRow;
  liveness: Liveness;
  /** The breaker now: an open one whose pause has run out waits for its probe (half-open). */
  breaker: BreakerState;
}

export interface Verdict {
  level: 'ok' | 'warning' | 'trouble';
  /** One or more sentences a person can act on. */
  text: string;
}

export function workerView(row: WorkerStatusRow, now: number): WorkerView {
  const liveness: Liveness =
    row.stopped_at !== null
      ? 'stopped'
      : now - row.heartbeat_at <= MISSED_BEATS * row.heartbeat_ms
        ? 'alive'
        : 'silent';
  const expired = row.breaker === 'open' && row.breaker_reopens_at !== null && row.breaker_reopens_at <= now;
  return { row, liveness, breaker: expired ? 'half-open' : row.breaker };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * What a person should know first: no worker running, sending paused, the relay failing,
 * workers gone quiet — or that all is well. `at` formats an instant for the sentence.
 */
export function verdict(views: readonly WorkerView[], at: (ms: number) => string): Verdict {
  if (views.length === 0)
    return {
      level: 'warning',
      text: 'No worker has reported yet: nothing is planned or sent until one runs (rapport start).',
    };
  const alive = views.filter((v) => v.liveness === 'alive');
  const silent = views.filter((v) => v.liveness === 'silent');
  const said: string[] = [];
  let level: Verdict['level'] = 'ok';
  const worse = (l: Verdict['level']) => {
    if (l === 'trouble' || (l === 'warning' && level === 'ok')) level = l;
  };
  if (alive.length === 0) {
    worse('trouble');
    said.push('No worker is running: nothing is planned or sent.');
  }
  const paused = alive.filter((v) => v.breaker !== 'closed');
  const [first] = paused;
  if (first !== undefined) {
    worse(paused.length === alive.length ? 'trouble' : 'warning');
    const where =
      paused.length === alive.length ? 'every running worker' : `${paused.length} of ${alive.length} workers`;
    said.push(`Sending is paused on ${where}: ${first.row.breaker_reason ?? 'the relay failed'}.`);
  }
  const failing = alive.filter((v) => v.breaker === 'closed' && v.row.relay === 'failing');
  const [firstFailing] = failing;
  if (firstFailing !== undefined) {
    worse('warning');
    const first = firstFailing;
    said.push(
      `The mail relay is failing on ${plural(failing.length, 'worker', 'workers')}: ${first.row.relay_error ?? 'no detail'}.`,
    );
  }
  if (silent.length > 0) {
    worse('warning');
    const last = Math.max(...silent.map((v) => v.row.heartbeat_at));
    said.push(
      `${plural(silent.length, 'worker has', 'workers have')} not been heard from since ${at(last)} (stopped without saying so, or cannot reach the database).`,
    );
  }
  if (said.length === 0)
    said.push(`All is well: ${plural(alive.length, 'worker', 'workers')} running, the relay accepting mail.`);
  return { level, text: said.join(' ') };
}
