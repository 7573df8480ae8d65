/**
 * What each sent message was rendered with, and the MIME bytes handed to the relay (gzip), so
 * "show me exactly what this customer got" is a read whose SHA-256 matches what was sent.
 */
import { gunzipSync } from 'node:zlib';
import type { Knex } from 'knex';
import { bytes, num, numOrNull, rowOf, str, strOrNull } from './read.js';

export interface MessageRecord {
  template: string;
  templateVersionId: number | null;
  templateVersion: number | null;
  requestedLocale: string | null;
  resolvedLocale: string;
  subject: string;
  mimeSha256: string;
  mimeGzip: Buffer;
}

export interface StoredMessage extends Omit<MessageRecord, 'mimeGzip'> {
  deliveryId: number;
  mime: Buffer;
  createdAt: number;
}

/** The first record of a delivery stands (a second send after a crash carries the same bytes' intent). */
export async function insertMessageRecords(
  trx: Knex,
  records: ReadonlyArray<{ id: number; record: MessageRecord }>,
  now: number,
): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map(({ id, record: r }) => ({
    delivery_id: id,
    template: r.template,
    template_version_id: r.templateVersionId,
    template_version: r.templateVersion,
    requested_locale: r.requestedLocale === null ? null : r.requestedLocale.slice(0, 64),
    resolved_locale: r.resolvedLocale,
    subject: r.subject,
    mime_sha256: r.mimeSha256,
    mime_gzip: r.mimeGzip,
    created_at: now,
  }));
  await trx('delivery_messages').insert(rows).onConflict('delivery_id').ignore();
}

export async function getMessage(knex: Knex, deliveryId: number): Promise<StoredMessage | undefined> {
  const row = rowOf(await knex('delivery_messages').where('delivery_id', deliveryId).first());
  if (!row) return undefined;
  return {
    deliveryId: num(row, 'delivery_id'),
    template: str(row, 'template'),
    templateVersionId: numOrNull(row, 'template_version_id'),
    templateVersion: numOrNull(row, 'template_version'),
    requestedLocale: strOrNull(row, 'requested_locale'),
    resolvedLocale: str(row, 'resolved_locale'),
    subject: str(row, 'subject'),
    mimeSha256: str(row, 'mime_sha256'),
    mime: gunzipSync(bytes(row, 'mime_gzip')),
    createdAt: num(row, 'created_at'),
  };
}
