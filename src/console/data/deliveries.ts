/**
 * The deliveries list: filtered, newest first (latest due first within a range of due dates),
 * paged by an opaque cursor (keyset, never OFFSET).
 */
import type { Database } from '../../db/connect.js';
import { deliveryPage, dueOrdered, type DeliveryFilter } from '../../db/deliveries-console.js';
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
      ...(o.cursor === undefined ? {} : parseCursor(o.cursor, dueOrdered(o))),
    },
    limit + 1,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  if (rows.length <= limit || !last) return { rows: page.map(toDeliveryLine), next: null };
  const next = dueOrdered(o) ? `${last.due_at}_${last.id}` : String(last.id);
  return { rows: page.map(toDeliveryLine), next };
}

/** An id (newest first), or due_at and id (in due order: a range of due dates). */
function parseCursor(cursor: string, byDue: boolean): Pick<DeliveryFilter, 'beforeId' | 'beforeDue'> {
  const match = (byDue ? /^(-?[0-9]{1,15})_([1-9][0-9]{0,14})$/ : /^()([1-9][0-9]{0,14})$/).exec(cursor);
  if (!match) throw new AppError('E_USAGE', `cursor: "${cursor}" is not a page cursor of this list`);
  const id = Number(match[2]);
  return byDue ? { beforeDue: { dueAt: Number(match[1]), id } } : { beforeId: id };
}
