/**
 * Row validation for every import kind: a parsed record in, a typed value or the reasons
 * (one per field) out. Pure: `now` is passed in. Every reason is written for the person who
 * edits the spreadsheet, and quotes at most 60 characters of the value, escaped onto one line.
 */
export { validateContent } from './validate-content.js';
export { validateCustomer } from './validate-customer.js';
export { validateEvent } from './validate-event.js';
export type { CustomerInput, EventInput, RowError, Validation } from './types.js';
