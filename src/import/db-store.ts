/** The ImportStore over the database: what `rapport import` and the ingestion API write through. */
import type { Database } from '../db/connect.js';
import { missingCustomerIds } from '../db/customers.js';
import { customersAtAddressKeys, mergeCustomerBatch } from '../db/customers-bulk.js';
import { upsertContent } from '../db/content.js';
import { startCustomerWriter } from '../db/customers-writer.js';
import { upsertEvents } from '../db/events.js';
import { withImportSession } from '../db/import-session.js';
import { restoreSetAsideIndexes, setAsideCustomerIndexes } from '../db/set-aside-indexes.js';
import type { ImportStore } from './types.js';

export function importStore(db: Database): ImportStore {
  const { file } = db;
  return {
    upsertCustomers: (rows, now, dryRun) => mergeCustomerBatch(db.knex, rows, now, dryRun),
    upsertEvents: (rows, now, dryRun) => upsertEvents(db.knex, rows, now, dryRun),
    upsertContent: (rows, now, dryRun) => upsertContent(db.knex, rows, now, dryRun),
    missingCustomerIds: (ids) => missingCustomerIds(db.knex, ids),
    customersAtAddresses: (keys) => customersAtAddressKeys(db.knex, keys),
    session: (work) => withImportSession(db.knex, work),
    ...(file === undefined ? {} : { customerWriter: () => startCustomerWriter(file) }),
    ...(db.dialect === 'sqlite'
      ? {
          setAsideIndexes: async (written, now) =>
            (await setAsideCustomerIndexes(db.knex, written, now)).length > 0,
          restoreIndexes: async () => void (await restoreSetAsideIndexes(db.knex)),
        }
      : {}),
  };
}
