/**
 * The deliveries of one automation brought in line with its new definition: its pending,
 * never-attempted rows are moved to the new plan's time or deleted when the new plan does not
 * have them. Claimed, retried and finished rows stay as they are (exactly once).
 */
import type { Knex } from 'knex';
import { num, rowsOf, str } from './read.js';
import type { PlannedDelivery } from '../plan/types.js';
import { chunks } from './rows.js';
import { deliveryKeyText } from '../delivery-key.js';

export async function reconcileAutomationPending(
  knex: Knex,
  automationId: string,
  planned: readonly PlannedDelivery[],
  now: number,
): Promise<{ moved: number; cancelled: number }> {
  const wanted = new Map(planned.map((p) => [deliveryKeyText({ ...p, automationId }), p]));
  return knex.transaction(async (trx) => {
    const rows = rowsOf(
      await trx('deliveries')
        .where({ automation_id: automationId, status: 'pending', attempts: 0 })
        .select('id', 'customer_id', 'occurrence', 'due_at'),
    );
    const gone: number[] = [];
    let moved = 0;
    for (const r of rows) {
      const p = wanted.get(
        deliveryKeyText({
          automationId,
          customerId: str(r, 'customer_id'),
          occurrence: str(r, 'occurrence'),
        }),
      );
      if (!p) gone.push(num(r, 'id'));
      else if (p.dueAt !== num(r, 'due_at')) {
        // Moved past max_lateness: the row takes the plan's verdict, or it would go at the old time.
        const verdict = p.status === 'pending' ? {} : { status: p.status, reason: p.reason };
        moved += await trx('deliveries')
          .where({ id: num(r, 'id'), status: 'pending' })
          .update({
            trigger_at: p.triggerAt,
            due_at: p.dueAt,
            available_at: p.dueAt,
            ...verdict,
            updated_at: now,
          });
      }
    }
    let cancelled = 0;
    for (const batch of chunks(gone, 500))
      cancelled += await trx('deliveries').whereIn('id', batch).where('status', 'pending').delete();
    return { moved, cancelled };
  });
}
