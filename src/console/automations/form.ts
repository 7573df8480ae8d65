/**
 * The automation edit form: which of the file's keys it offers for a trigger, their current
 * values as text, and the definition a submitted form proposes. Values are read as the CLI's
 * `automations set` reads them (YAML), so the file's validation applies unchanged.
 */
import { applyAssignments } from '../../cli/automation-set.js';
import { AppError } from '../../errors.js';
import type { Definition } from '../../outreach/automations.js';
import { scalarText } from '../../text.js';

export interface EditField {
  /** The dotted key as the file writes it, also the form field's name. */
  key: string;
  label: string;
  hint: string;
}

const AFTER: EditField = { key: 'on.after', label: 'After', hint: 'a duration: 30m, 2h, 7d' };
const AT: EditField = { key: 'on.at', label: 'At their time', hint: 'HH:MM, empty for none' };
const FOR: EditField = { key: 'on.inactive.for', label: 'Inactive for', hint: 'a duration: 30d' };
const SCHEDULE: EditField = { key: 'on.schedule', label: 'Schedule', hint: 'cron: 0 9 * * 1' };
const TEMPLATE: EditField = { key: 'template', label: 'Template', hint: 'a template name' };
const TAGS: EditField = {
  key: 'where.tags',
  label: 'Only customers tagged',
  hint: 'comma-separated; empty for all',
};
const UNLESS_EVENT: EditField = {
  key: 'unless.event',
  label: 'Exit: unless this event follows',
  hint: 'an event type, empty for none',
};
const UNLESS_WITHIN: EditField = { key: 'unless.within', label: 'Exit: within', hint: 'a duration: 7d' };

function record(value: unknown): Definition {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Definition) : {};
}

/** The timing keys that exist for this trigger, then template, audience and exit condition. */
export function editFields(written: Definition): EditField[] {
  const on = record(written.on);
  const timing: EditField[] = [];
  if ('event' in on || 'survey' in on) timing.push(AFTER);
  if ('inactive' in on) timing.push(FOR);
  if ('schedule' in on) timing.push(SCHEDULE);
  else timing.push(AT);
  return [...timing, TEMPLATE, TAGS, UNLESS_EVENT, UNLESS_WITHIN];
}

function lookup(written: Definition, key: string): unknown {
  let value: unknown = written;
  for (const part of key.split('.')) value = record(value)[part];
  return value;
}

/** The current value of a key as the form shows it. */
export function fieldText(written: Definition, key: string): string {
  const value = lookup(written, key);
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(scalarText).join(', ');
  return scalarText(value);
}

function tagList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0),
    ),
  ];
}

/**
 * The definition the form proposes: only keys whose text changed are assigned, so untouched
 * values stay exactly as stored. Empty removes a key; an emptied `where` or `unless` goes too.
 */
export function proposedDefinition(current: Definition, body: Record<string, unknown>): Definition {
  const pairs: string[] = [];
  let tags: string[] | null = null;
  for (const field of editFields(current)) {
    const given = body[field.key];
    if (given !== undefined && typeof given !== 'string') {
      throw new AppError('E_USAGE', `${field.key}: give one value`);
    }
    const text = (given ?? fieldText(current, field.key)).trim();
    if (text === fieldText(current, field.key)) continue;
    if (/[\r\n]/.test(text)) throw new AppError('E_USAGE', `${field.key}: one line only`);
    if (field.key === TAGS.key) tags = tagList(text);
    else pairs.push(`${field.key}=${text}`);
  }
  const next = applyAssignments(current, pairs);
  if (tags !== null) {
    const where = { ...record(next.where) };
    if (tags.length > 0) where.tags = tags;
    else delete where.tags;
    next.where = where;
  }
  for (const key of ['where', 'unless']) {
    if (key in next && Object.keys(record(next[key])).length === 0) delete next[key];
  }
  return next;
}

/** The definition a confirm form carries back (JSON), refused unless it is a mapping. */
export function carriedDefinition(text: unknown): Definition {
  if (typeof text !== 'string' || text.length > 20_000) {
    throw new AppError('E_USAGE', 'definition: missing; preview the change again');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError('E_USAGE', 'definition: not readable; preview the change again');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AppError('E_USAGE', 'definition: not a mapping of keys; preview the change again');
  }
  return parsed as Definition;
}
