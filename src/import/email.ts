/**
 * Strict email address rule for imported customers. Deliberately narrower than RFC 5322:
 * what we accept must be safe to put in a `To:` header as-is and be deliverable by any MTA.
 * - local part: a dot-atom of printable ASCII (no spaces, quotes, angle brackets, commas,
 *   semicolons, parentheses, backslashes or colons), at most 64 characters; case kept;
 * - domain: at least two dot-separated labels of [a-z0-9-] (not starting or ending with
 *   "-"), a top-level label that is not all digits (so no IP addresses or literals), lower-cased;
 *   internationalised domains must be given in their `xn--` form;
 * - at most 254 characters in all.
 */
import { type Check, CONTROL_REASON, fail, hasControl, ok, show } from './text.js';

const EMAIL_MAX = 254;
const LOCAL_MAX = 64;
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LOCAL = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`);
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function validDomain(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.length < 2 || domain.length > 253) return false;
  if (!labels.every((label) => LABEL.test(label))) return false;
  return !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

/** A normalised email address (domain lower-cased), null when empty, or why it is refused. */
export function email(value: unknown): Check<string | null> {
  if (value === undefined || value === null) return ok(null);
  if (typeof value !== 'string') return fail('must be text such as name@example.com');
  if (hasControl(value)) return fail(CONTROL_REASON);
  const address = value.trim();
  if (address === '') return ok(null);
  if (address.length > EMAIL_MAX) {
    return fail(`is too long for an email address (${address.length} characters; at most ${EMAIL_MAX})`);
  }
  const at = address.indexOf('@');
  const local = address.slice(0, at);
  const domain = address.slice(at + 1).toLowerCase();
  if (
    at < 1 ||
    address.indexOf('@', at + 1) !== -1 ||
    local.length > LOCAL_MAX ||
    !LOCAL.test(local) ||
    !validDomain(domain)
  ) {
    return fail(`${show(address)} is not an email address`);
  }
  return ok(`${local}@${domain}`);
}
