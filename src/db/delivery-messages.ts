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

export interface RecordOf {
  id: number;
  record: MessageRecord;
}

/** The first record of a delivery stands (a second send after a crash carries the same bytes' intent). */
export async function insertMessageRecords(
  trx: Knex,
  records: readonly RecordOf[],
  now: number,
): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map((r) => {
    const values = valuesOf(r, now);
    return Object.fromEntries(COLUMNS.map((c, i) => [c, values[i]]));
  });
  await trx('delivery_messages').insert(rows).onConflict('delivery_id').ignore();
}

const COLUMNS = [
  'delivery_id',
  'template',
  'template_version_id',
  'template_version',
  'requested_locale',
  'resolved_locale',
  'subject',
  'mime_sha256',
  'mime_gzip',
  'created_at',
] as const;

function valuesOf({ id, record: r }: RecordOf, now: number): Knex.Value[] {
  const requested = r.requestedLocale === null ? null : r.requestedLocale.slice(0, 64);
  return [
    id,
    r.template,
    r.templateVersionId,
    r.templateVersion,
    requested,
    r.resolvedLocale,
    r.subject,
    r.mimeSha256,
    r.mimeGzip,
    now,
  ];
}

/**
 * The same insert as one SQL text and its bindings, for a statement written by hand: the
 * delivery loop's write of sent outcomes (deliveries-sent.ts). Same text on both databases.
 */
export function messageRecordsInsert(
  records: readonly RecordOf[],
  now: number,
): { sql: string; bindings: Knex.Value[] } {
  const tuple = `(${COLUMNS.map(() => '?').join(', ')})`;
  const sql =
    `INSERT INTO delivery_messages (${COLUMNS.join(', ')}) VALUES ${records.map(() => tuple).join(', ')} ` +
    'ON CONFLICT (delivery_id) DO NOTHING';
  return { sql, bindings: records.flatMap((r) => valuesOf(r, now)) };
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
