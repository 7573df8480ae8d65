/** Queries on the `webhook_deliveries` table: which platform deliveries were already taken in. */
import type { Knex } from 'knex';
import { rowsOf } from './read.js';

/**
 * Records a delivery; false when it was already recorded (a redelivery). Inserted before the
 * delivery is processed, so two copies arriving at once are taken in once.
 */
export async function claimWebhookDelivery(
  knex: Knex,
  source: string,
  deliveryId: string,
  now: number,
): Promise<boolean> {
  const inserted = rowsOf(
    await knex('webhook_deliveries')
      .insert({ source, delivery_id: deliveryId, received_at: now })
      .onConflict(['source', 'delivery_id'])
      .ignore()
      .returning('delivery_id'),
  );
  return inserted.length > 0;
}

/** Forgets a delivery whose processing failed, so the platform's retry is taken in. */
export async function releaseWebhookDelivery(knex: Knex, source: string, deliveryId: string): Promise<void> {
  await knex('webhook_deliveries').where({ source, delivery_id: deliveryId }).delete();
}
