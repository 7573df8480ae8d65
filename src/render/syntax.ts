/**
 * Handlebars' parse errors are written for developers ("Expecting 'CLOSE_RAW_BLOCK', …").
 * Turn them into one line a person editing an email can act on, keeping the line number.
 */
import { errorField } from '../error-fields.js';
import { errorMessage } from '../errors.js';

export function describeSyntaxError(error: unknown): { line: number; message: string } {
  const raw = errorMessage(error);
  const lineNumber = errorField(error, 'lineNumber');
  const line = typeof lineNumber === 'number' ? lineNumber : Number(/on line (\d+)/.exec(raw)?.[1] ?? 0);
  return { line, message: `syntax error: ${explain(raw)}` };
}

function explain(raw: string): string {
  const mismatch = /^(\S+) doesn't match (\S+)/.exec(raw);
  if (mismatch) return `{{#${mismatch[1]}}} is closed by {{/${mismatch[2]}}}`;
  if (!raw.startsWith('Parse error')) return raw.split('\n')[0] ?? raw;
  const got = /got '([A-Z_]+)'/.exec(raw)?.[1];
  const near = snippet(raw);
  switch (got) {
    case 'EOF':
      return 'the file ends inside a block: every {{#name}} needs its {{/name}}';
    case 'OPEN_ENDBLOCK':
      return `a closing {{/…}} has no matching {{#…}} near "${near}"`;
    case 'INVERSE':
    case 'OPEN_INVERSE_CHAIN':
      return `{{else}} is out of place near "${near}"`;
    default:
      return `a {{ }} is malformed or not closed near "${near}"`;
  }
}

/** The few characters before Handlebars' caret, where the problem is. */
function snippet(raw: string): string {
  const [, text = '', caretLine = ''] = raw.split('\n');
  const caret = caretLine.indexOf('^');
  const end = caret < 0 ? text.length : Math.min(text.length, caret + 1);
  return text
    .slice(Math.max(0, end - 30), end)
    .replace(/^\.\.\./, '')
    .trim();
}
