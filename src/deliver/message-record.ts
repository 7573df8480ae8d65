/** What the books keep of a sent message: its rendering, and the exact bytes the relay got. */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { MessageRecord } from '../db/delivery-messages.js';
import type { OutgoingMessage, SendResult } from './mailer.js';

/** Undefined when the message was not rendered from the database or the mailer kept no bytes. */
export function messageRecord(message: OutgoingMessage, result: SendResult): MessageRecord | undefined {
  if (!message.rendering || !result.raw) return undefined;
  return {
    ...message.rendering,
    subject: message.subject,
    mimeSha256: createHash('sha256').update(result.raw).digest('hex'),
    // Level 1: this runs on the send path for every message; MIME text still shrinks several-fold.
    mimeGzip: gzipSync(result.raw, { level: 1 }),
  };
}
