/**
 * The new-broadcast form: what staff typed, read into the service's input. Every problem is
 * refused naming the form's field; the service then checks the template and the date.
 */
import { checkAudience } from '../../broadcasts/audience.js';
import { parseSendAt } from '../../broadcasts/plan.js';
import type { BroadcastInput } from '../../broadcasts/service.js';
import { AppError } from '../../errors.js';

/** The form's fields as text (what is shown back after a preview or a refusal). */
export interface BroadcastFields {
  name: string;
  template: string;
  tags: string;
  attributes: string;
  everyone: boolean;
  when: 'now' | 'at';
  time: string;
  date: string;
  transactional: boolean;
}

export const EMPTY_FIELDS: BroadcastFields = {
  name: '',
  template: '',
  tags: '',
  attributes: '',
  everyone: false,
  when: 'at',
  time: '10:00',
  date: '',
  transactional: false,
};

function text(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new AppError('E_USAGE', `${key}: give one value`);
  return value.trim();
}

export function readFields(body: Record<string, unknown>): BroadcastFields {
  return {
    name: text(body, 'name'),
    template: text(body, 'template'),
    tags: text(body, 'tags'),
    attributes: text(body, 'attributes'),
    everyone: body.everyone === 'yes',
    when: body.when === 'now' ? 'now' : 'at',
    time: text(body, 'time'),
    date: text(body, 'date'),
    transactional: body.transactional === 'yes',
  };
}

function attributesOf(textarea: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of textarea
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)) {
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq).trim() : '';
    if (key === '') throw new AppError('E_USAGE', `attributes: "${line}" is not NAME=VALUE`);
    if (key in out && out[key] !== line.slice(eq + 1).trim()) {
      throw new AppError('E_USAGE', `attributes: "${key}" is given two different values`);
    }
    out[key] = line.slice(eq + 1).trim();
  }
  return out;
}

/** The audience; an empty one only when "everyone subscribed" is ticked, so nobody mails all by accident. */
function audienceOf(f: BroadcastFields): BroadcastInput['audience'] {
  const tags = f.tags
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  const attributes = attributesOf(f.attributes);
  const audience = checkAudience({ tags, attributes });
  const empty = !audience.tags && !audience.attributes;
  if (empty && !f.everyone) {
    throw new AppError('E_USAGE', 'audience: give tags or attributes, or tick "everyone subscribed"');
  }
  if (!empty && f.everyone) {
    throw new AppError(
      'E_USAGE',
      'audience: "everyone subscribed" is ticked and tags or attributes are given; choose one',
    );
  }
  return audience;
}

export function inputOf(f: BroadcastFields): BroadcastInput {
  if (f.template === '') throw new AppError('E_USAGE', 'template: choose a template');
  let sendAt: BroadcastInput['sendAt'];
  try {
    sendAt =
      f.when === 'now'
        ? parseSendAt(undefined, undefined, true)
        : parseSendAt(f.time, f.date || undefined, false);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    throw new AppError(error.code, error.message.replace(/^--at/, 'time').replace(/^--date/, 'date'));
  }
  return {
    template: f.template,
    audience: audienceOf(f),
    sendAt,
    ...(f.name === '' ? {} : { name: f.name }),
    transactional: f.transactional,
  };
}

/** The fields as a query string, for the sample's own URL (the iframe loads it with GET). */
export function sampleQuery(f: BroadcastFields): string {
  return new URLSearchParams({ template: f.template, tags: f.tags, attributes: f.attributes }).toString();
}
