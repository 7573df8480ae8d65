/**
 * What an imported or posted customer makes of the stored one: only the fields it carries
 * change. Pure; the store reads the stored record and writes the result in one transaction.
 */
import type { CustomerInput, CustomerPatch } from '../domain.js';

type Field = Exclude<keyof CustomerInput, 'id' | 'email' | 'attributes'>;

/** A new customer's values for the fields a row does not carry, and what clearing one leaves. */
const EMPTY: Partial<Record<Field, unknown>> = { tags: [], subscribed: true };

function emptyValue(field: string): unknown {
  return EMPTY[field as Field] ?? null;
}

/** The record `patch` makes of `stored` (undefined: a new customer). */
export function mergeCustomer(stored: CustomerInput | undefined, patch: CustomerPatch): CustomerInput {
  const out: Record<string, unknown> = stored
    ? { ...stored }
    : {
        first_name: null,
        last_name: null,
        birthday: null,
        timezone: null,
        locale: null,
        customer_since: null,
        tags: [],
        subscribed: true,
      };
  out.id = patch.id;
  out.email = patch.email;
  for (const [field, value] of Object.entries(patch)) {
    if (field === 'id' || field === 'email' || field === 'attributes' || value === undefined) continue;
    out[field] = value === null ? emptyValue(field) : value;
  }
  // Own properties only (fromEntries), so no attribute name can reach a prototype.
  const attributes = new Map(Object.entries(stored?.attributes ?? {}));
  for (const [key, value] of Object.entries(patch.attributes)) {
    if (value === null) attributes.delete(key);
    else attributes.set(key, value);
  }
  out.attributes = Object.fromEntries(attributes);
  return out as unknown as CustomerInput;
}
