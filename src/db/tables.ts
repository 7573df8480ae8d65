/**
 * The tables whose row type is declared once, in their module, and given to knex here: for
 * these, `knex('deliveries')` checks the column names and values of insert and update. What
 * comes back is still read through src/db/read.ts (the drivers differ on types). Tables whose
 * modules declare no whole-row type (events, suppressions, template versions…) stay untyped.
 */
import type { ContentRow } from './content.js';
import type { CustomerRow } from './customers.js';
import type { DeliveryRow } from './deliveries.js';
import type { StaffSessionRow } from './staff-sessions.js';
import type { StaffUserRow } from './staff-users.js';
import type { TemplateRow } from './templates.js';
import type { WorkerStatusRow } from './worker-status.js';

declare module 'knex/types/tables.js' {
  interface Tables {
    worker_status: WorkerStatusRow;
    staff_users: StaffUserRow;
    staff_sessions: StaffSessionRow & { ip: string | null; user_agent: string | null };
    content: ContentRow;
    /** updated_by: who last changed the record by hand (the console writes it; reads go through customers-console.ts). */
    customers: CustomerRow & { updated_by?: string | null };
    /** skipped_by: who skipped a planned send on the console's Upcoming page. */
    deliveries: DeliveryRow & { skipped_by?: string | null };
    templates: TemplateRow;
  }
}
