/** The deliveries list: filtered, newest first, paged by an opaque cursor (keyset, never OFFSET). */
import type { Database } from '../../db/connect.js';
import { deliveryPage } from '../../db/deliveries-console.js';
import { DELIVERY_STATUSES } from '../../domain.js';
import { oneOf } from '../../choice.js';
import { AppError } from '../../errors.js';
import { toDeliveryLine, type DeliveryLine } from './customer.js';

export interface DeliveryListOptions {
  status?: string;
  automation?: string;
  /** due_at range, epoch ms: from inclusive, to exclusive. */
  from?: number;
  to?: number;
  customer?: string;
  /** The previous page's `next`. */
  cursor?: string;
  limit?: number;
}

export interface DeliveryList {
  rows: DeliveryLine[];
  /** The cursor of the next page, or null on the last. */
  next: string | null;
}

const MAX_LIMIT = 200;

export async function listDeliveries(db: Database, o: DeliveryListOptions): Promise<DeliveryList> {
  const limit = Math.min(Math.max(Math.trunc(o.limit ?? 50), 1), MAX_LIMIT);
  const status = o.status === undefined ? undefined : oneOf(DELIVERY_STATUSES, o.status, 'status');
  const rows = await deliveryPage(
    db.knex,
    {
      ...(status === undefined ? {} : { status }),
      ...(o.automation === undefined ? {} : { automationId: o.automation }),
      ...(o.customer === undefined ? {} : { customerId: o.customer }),
      ...(o.from === undefined ? {} : { from: o.from }),
      ...(o.to === undefined ? {} : { to: o.to }),
      ...(o.cursor === undefined ? {} : { beforeId: parseCursor(o.cursor) }),
    },
    limit + 1,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page.map(toDeliveryLine), next: rows.length > limit && last ? String(last.id) : null };
}

function parseCursor(cursor: string): number {
  if (!/^[1-9][0-9]{0,14}$/.test(cursor))
    throw new AppError('E_USAGE', `cursor: "${cursor}" is not a page cursor`);
  return Number(cursor);
}
