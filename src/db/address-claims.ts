/**
 * Queries on `address_claims`: which delivery may mail an address for one occurrence of a
 * one-per-inbox rule. The deliveries' unique key is per customer, so two records sharing an
 * inbox have two rows; this key is per address, so however many workers claim such rows at
 * once, the first insert wins and the other rows see it.
 */
import type { Knex } from 'knex';
import { num, rowsOf } from './read.js';
import { chunks, IN_CHUNK } from './rows.js';

export interface AddressClaim {
  automationId: string;
  occurrence: string;
  /** addressKey of the recipient. */
  emailKey: string;
  deliveryId: number;
}

/** Records each claim unless its address is taken; returns the delivery ids that hold their address. */
export async function claimAddresses(
  knex: Knex,
  claims: readonly AddressClaim[],
  now: number,
): Promise<Set<number>> {
  const owners = new Set<number>();
  const groups = new Map<string, AddressClaim[]>();
  for (const c of claims) {
    const key = `${c.automationId}\u0000${c.occurrence}`;
    const group = groups.get(key);
    if (group) group.push(c);
    else groups.set(key, [c]);
  }
  for (const group of groups.values()) {
    const first = group[0];
    if (!first) continue;
    const { automationId, occurrence } = first;
    for (const batch of chunks(group, IN_CHUNK)) {
      const rows = batch.map((c) => ({
        automation_id: automationId,
        occurrence,
        email_key: c.emailKey,
        delivery_id: c.deliveryId,
        created_at: now,
      }));
      await knex('address_claims')
        .insert(rows)
        .onConflict(['automation_id', 'occurrence', 'email_key'])
        .ignore();
      const held = rowsOf(
        await knex('address_claims')
          .where({ automation_id: automationId, occurrence })
          .whereIn('email_key', [...new Set(batch.map((c) => c.emailKey))])
          .select('delivery_id'),
      );
      for (const r of held) owners.add(num(r, 'delivery_id'));
    }
  }
  return owners;
}
