/** The ImportStore over the database: what `rapport import` and the ingestion API write through. */
import type { Database } from '../db/connect.js';
import { customerIdsByEmail, missingCustomerIds, upsertCustomers } from '../db/customers.js';
import { upsertContent } from '../db/content.js';
import { upsertEvents } from '../db/events.js';
import type { ImportStore } from './types.js';

export function importStore(db: Database): ImportStore {
  return {
    upsertCustomers: (rows, now) => upsertCustomers(db.knex, rows, now),
    upsertEvents: (rows, now) => upsertEvents(db.knex, rows, now),
    upsertContent: (rows, now) => upsertContent(db.knex, rows, now),
    missingCustomerIds: (ids) => missingCustomerIds(db.knex, ids),
    customerIdsByEmail: (emails) => customerIdsByEmail(db.knex, emails),
  };
}
