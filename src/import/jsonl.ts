/** JSON Lines: one JSON object per line; blank lines are skipped but counted. */
import { TextDecoder } from 'node:util';
import { asUnreadable, unreadable } from './input.js';
import type { ParsedRow } from './types.js';
import { isRecord } from '../unknown.js';

/** Longest line read; a longer one is reported and skipped without being kept in memory. */
const MAX_LINE_CHARS = 1_000_000;

type Line = { line: number; text: string } | { line: number; tooLong: true };

/** The lines of a byte stream (`\n` or `\r\n`), numbered from 1, memory bounded per line. */
async function* lines(bytes: AsyncIterable<Buffer>): AsyncGenerator<Line> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let count = 0;
  let skipping = false;
  for await (const chunk of bytes) {
    pending += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
      count++;
      yield skipping ? { line: count, tooLong: true } : { line: count, text: pending.slice(start, nl) };
      skipping = false;
      start = nl + 1;
    }
    pending = pending.slice(start);
    if (pending.length > MAX_LINE_CHARS) {
      skipping = true;
      pending = '';
    }
  }
  pending += decoder.decode();
  if (skipping) yield { line: count + 1, tooLong: true };
  else if (pending !== '') yield { line: count + 1, text: pending };
}

function toRow(line: number, text: string): ParsedRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { line, error: 'not a JSON object (the line is not valid JSON)' };
  }
  if (!isRecord(value)) return { line, error: 'not a JSON object' };
  return { line, record: value };
}

export async function* readJsonl(bytes: AsyncIterable<Buffer>): AsyncGenerator<ParsedRow> {
  let any = false;
  try {
    for await (const item of lines(bytes)) {
      if ('tooLong' in item) {
        any = true;
        yield { line: item.line, error: `the line is longer than ${MAX_LINE_CHARS} characters` };
        continue;
      }
      let text = item.line === 1 ? item.text.replace(/^\ufeff/, '') : item.text;
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (text.trim() === '') continue;
      any = true;
      yield toRow(item.line, text);
    }
  } catch (err) {
    throw asUnreadable(err);
  }
  if (!any) throw unreadable('the input is empty: there is no record to import');
}
