/** Returned-mail fixtures (test/fixtures/bounces) filled in for one message we sent. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './runtime.js';

export interface Original {
  verp: string;
  rcpt: string;
  id: number | string;
  messageId: string;
}

export const BOUNCE_FIXTURES = [
  'postfix-hard',
  'postfix-delayed',
  'exim-soft',
  'sendmail-hard',
  'exchange-hard',
  'gmail-hard',
  'arf-abuse',
  'auto-reply',
  'qmail-plain',
] as const;
export type BounceFixture = (typeof BOUNCE_FIXTURES)[number];

/** The fixture with the placeholders filled, CRLF line ends as on the wire. */
export function bounceMail(
  name: BounceFixture,
  o: Original,
  edit: (text: string) => string = (t) => t,
): string {
  const text = readFileSync(join(REPO, 'test/fixtures/bounces', `${name}.eml`), 'utf8')
    .replaceAll('{{VERP}}', o.verp)
    .replaceAll('{{RCPT}}', o.rcpt)
    .replaceAll('{{ID}}', String(o.id))
    .replaceAll('{{MESSAGE_ID}}', o.messageId);
  return edit(text).replace(/\r?\n/g, '\r\n');
}

/** Removes every header line (and its folded continuation) with this name. */
export function withoutHeader(name: string): (text: string) => string {
  return (text) => text.replace(new RegExp(`^${name}:.*(\\n[ \\t].*)*\\n`, 'gim'), '');
}
