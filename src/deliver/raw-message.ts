/**
 * Our messages composed to MIME in one synchronous pass, handed to the pool as `raw`.
 *
 * nodemailer composes a message by streaming its MIME tree through a chain of transforms and
 * writes it to the socket a few bytes at a time; on a small box that costs more CPU than the
 * SMTP conversation itself (measured on the bench: raw messages went out ~1.5× faster). Here nodemailer's own
 * MailComposer still builds the tree — headers, address and encoded-word handling, boundary,
 * transfer-encoding choice — and we only do what its stream would have done for our one shape
 * (multipart/alternative of two text parts held as strings): the headers it builds, each part
 * quoted-printable encoded with its own encoder functions (or 7bit as is), the delimiters it
 * writes. The result is the same bytes (test/unit/raw-message.test.ts); any other shape
 * returns null and goes the usual way. DKIM signs raw messages as it signs composed ones.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type { SendMailOptions } from 'nodemailer';
import type MimeNode from 'nodemailer/lib/mime-node';
import { encode, wrap } from 'nodemailer/lib/qp';
import { scalarText } from '../text.js';

export interface RawMessage {
  raw: string;
  envelope: { from: string | false; to: string[] };
}

/** nodemailer's encoder works in 64 KiB slices; larger parts (never ours) go the usual way. */
const MAX_PART_BYTES = 64 * 1024;

export function composeRaw(options: SendMailOptions): RawMessage | null {
  const root = new MailComposer(options).compile();
  // Building the headers settles the boundary and each part's transfer encoding.
  const head = root.buildHeaders();
  if (!root.multipart || !root.boundary || root.childNodes.length === 0) return null;
  let out = `${head}\r\n\r\n`;
  for (const [i, part] of root.childNodes.entries()) {
    const body = partBody(part);
    if (body === null) return null;
    out += `${i > 0 ? '\r\n' : ''}--${root.boundary}\r\n${part.buildHeaders()}\r\n\r\n${body}`;
  }
  out += `\r\n--${root.boundary}--\r\n`;
  const envelope = root.getEnvelope();
  return { raw: out, envelope: { from: envelope.from, to: envelope.to } };
}

function partBody(part: MimeNode): string | null {
  const content = part.content;
  if (part.childNodes.length > 0 || typeof content !== 'string') return null;
  if (Buffer.byteLength(content) > MAX_PART_BYTES) return null;
  if (!/^text\//i.test(scalarText(part.getHeader('Content-Type')))) return null;
  const encoding = part.getTransferEncoding();
  if (encoding === 'quoted-printable') return wrap(encode(content), 76);
  if (encoding === '7bit') return content;
  return null;
}
