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
  const carried = patch as unknown as Record<string, unknown>;
  for (const field of Object.keys(carried)) {
    const value = carried[field];
    if (field === 'id' || field === 'email' || field === 'attributes' || value === undefined) continue;
    out[field] = value === null ? emptyValue(field) : value;
  }
  out.attributes = mergedAttributes(stored?.attributes ?? {}, patch.attributes);
  return out as unknown as CustomerInput;
}

/**
 * The stored attributes with the row's applied: set, replaced, or removed when null. Own
 * properties only (spread and fromEntries), so no attribute name can reach a prototype.
 */
function mergedAttributes(
  stored: Readonly<Record<string, string>>,
  patch: Readonly<Record<string, string | null>>,
): Record<string, string> {
  const changes = Object.entries(patch);
  // Most rows of a re-import carry the attributes they had: a copy, without a Map per row.
  if (changes.length === 0) return { ...stored };
  const attributes = new Map(Object.entries(stored));
  for (const [key, value] of changes) {
    if (value === null) attributes.delete(key);
    else attributes.set(key, value);
  }
  return Object.fromEntries(attributes);
}
