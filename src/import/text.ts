/**
 * Small text helpers shared by the row validators: how a value is shown back in an error,
 * and which characters count as control characters.
 */

/** The result of checking one field: its cleaned value, or why it was refused. */
export type Check<T> = { ok: true; value: T } | { ok: false; reason: string };

export const ok = <T>(value: T): Check<T> => ({ ok: true, value });
export const fail = (reason: string): Check<never> => ({ ok: false, reason });

const SHOWN_CHARS = 60;

/**
 * A value quoted for an error message: at most 60 characters (then `…`), with control,
 * line-separator and bidi-override characters escaped so the message stays on one line and
 * reads left to right in a terminal.
 */
export function show(value: string): string {
  const head = Array.from(value.slice(0, SHOWN_CHARS * 2));
  const cut = head.length > SHOWN_CHARS || value.length > SHOWN_CHARS * 2;
  const text = cut ? `${head.slice(0, SHOWN_CHARS).join('')}…` : value;
  return JSON.stringify(text).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

/**
 * True when `text` holds a control character (C0, DEL, C1, or a Unicode line/paragraph
 * separator) other than those listed in `allowed`.
 */
export function hasControl(text: string, allowed = ''): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isControl(code) && !allowed.includes(text[i] ?? '')) return true;
  }
  return false;
}

/** Keeps only the line breaks and tabs of multi-line text; anything else is refused. */
export const MULTILINE_ALLOWED = '\t\n\r';

export const CONTROL_REASON = 'contains a line break or control character';
export const CONTROL_MULTILINE_REASON =
  'contains a control character (only tabs and line breaks are allowed)';
export const NOT_UTF8_REASON =
  'contains characters that could not be read; save the file as UTF-8 and import it again';

/** A JSON or CSV value as text: null when absent, refused when it is a list or an object. */
function asText(value: unknown): Check<string | null> {
  if (value === undefined || value === null) return ok(null);
  if (typeof value === 'string') return ok(value);
  if (typeof value === 'number' && Number.isFinite(value)) return ok(String(value));
  if (typeof value === 'boolean') return ok(String(value));
  return fail('must be text, not a list or an object');
}

export interface TextRule {
  /** Longest accepted value, in characters, after trimming. */
  max: number;
  /** Control characters that are allowed (default: none). */
  allow?: string;
}

/**
 * The common text rule: refuse lists and objects, control characters and unreadable
 * characters; trim; an empty value becomes null; refuse values longer than `max`.
 */
export function text(value: unknown, rule: TextRule): Check<string | null> {
  const raw = asText(value);
  if (!raw.ok || raw.value === null) return raw;
  if (hasControl(raw.value, rule.allow)) {
    return fail(rule.allow ? CONTROL_MULTILINE_REASON : CONTROL_REASON);
  }
  if (raw.value.includes('\ufffd')) return fail(NOT_UTF8_REASON);
  const trimmed = raw.value.trim();
  if (trimmed === '') return ok(null);
  if (trimmed.length > rule.max) {
    return fail(`is too long (${trimmed.length} characters; at most ${rule.max})`);
  }
  return ok(trimmed);
}

/** True when a field is missing: absent, null, or only white space. */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}
