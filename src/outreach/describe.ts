/**
 * An automation in plain words ("1 hour after each purchase", "on their birthday at 09:00 their
 * time"), for listings and the console. Pure: the parsed definition in, one sentence out. Times
 * are always the customer's own (the business's zone for a customer without one), as planned.
 */
import type { Automation, Trigger } from '../config/schema.js';
import { DEFAULT_AT } from '../plan/rules.js';

const DAY = 86_400_000;
const UNITS: ReadonlyArray<[ms: number, name: string]> = [
  [7 * DAY, 'week'],
  [DAY, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1_000, 'second'],
];

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** `7 days`, `1 hour`, `90 minutes`: the largest unit that divides the duration exactly. */
export function spell(ms: number): string {
  for (const [size, name] of UNITS) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${ms} ms`;
}

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

const atTheirTime = (at: number) => `at ${clock(at)} their time`;

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function delayed(after: number, anchor: string, at: number | undefined): string {
  const when =
    after === 0
      ? at === undefined
        ? `right after ${anchor}`
        : `after ${anchor}`
      : `${spell(after)} after ${anchor}`;
  return at === undefined ? when : `${when}, at the next ${clock(at)} their time`;
}

function describeTrigger(on: Trigger): string {
  if ('event' in on) {
    const anchor = on.count === undefined ? `each ${on.event}` : `their ${ordinal(on.count)} ${on.event}`;
    return delayed(on.after, anchor, on.at);
  }
  if ('survey' in on) return delayed(on.after, `a ${on.survey} survey score`, on.at);
  if ('birthday' in on) return `on their birthday ${atTheirTime(on.at ?? DEFAULT_AT)}`;
  if ('anniversary' in on)
    return `on the anniversary of becoming a customer ${atTheirTime(on.at ?? DEFAULT_AT)}`;
  if ('date' in on) {
    const [month, day] = on.date.split('-').map(Number) as [number, number];
    return `every ${day} ${MONTHS[month - 1] ?? on.date} ${atTheirTime(on.at ?? DEFAULT_AT)}`;
  }
  if ('inactive' in on) {
    const base = `${spell(on.inactive.for)} after their last ${on.inactive.event} if nothing since`;
    return on.at === undefined ? base : `${base}, at the next ${clock(on.at)} their time`;
  }
  if ('holiday' in on) return `on ${on.holiday} ${atTheirTime(on.at ?? DEFAULT_AT)}`;
  return describeCron(on.schedule);
}

/** The common cron shapes in words; anything else is shown as written. */
export function describeCron(expr: string): string {
  const [minute, hour, dom, month, dow] = expr.trim().split(/\s+/);
  const fixed = (v: string | undefined, max: number) =>
    v !== undefined && /^\d+$/.test(v) && Number(v) <= max;
  if (!fixed(minute, 59) || !fixed(hour, 23) || month !== '*')
    return `on the schedule "${expr}" (their time)`;
  const at = atTheirTime(Number(hour) * 60 + Number(minute));
  if (dom === '*' && dow === '*') return `every day ${at}`;
  if (dom === '*' && dow !== undefined && /^[0-7](,[0-7])*$/.test(dow)) {
    const days = dow.split(',').map((d) => WEEKDAYS[Number(d) % 7] as string);
    return `every ${list(days)} ${at}`;
  }
  if (dom === '*' && dow === '1-5') return `every weekday ${at}`;
  if (dow === '*' && dom !== undefined && /^\d+$/.test(dom))
    return `on the ${ordinal(Number(dom))} of every month ${at}`;
  return `on the schedule "${expr}" (their time)`;
}

function list(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1] ?? ''}`;
}

/** The whole automation: its trigger, then who it is for and what stops it. */
export function describeAutomation(a: Automation): string {
  const parts = [describeTrigger(a.on)];
  const tags = a.where?.tags ?? [];
  if (tags.length > 0) parts.push(`to customers tagged ${list(tags)}`);
  const attributes = Object.entries(a.where?.attributes ?? {});
  if (attributes.length > 0) parts.push(`whose ${list(attributes.map(([k, v]) => `${k} is ${v}`))}`);
  if (a.unless) parts.push(`unless a ${a.unless.event} follows within ${spell(a.unless.within)}`);
  if (a.content === 'new') parts.push('when there is new content');
  const sentence = parts.join(', ');
  return a.enabled ? sentence : `${sentence} (disabled)`;
}
