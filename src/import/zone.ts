/** Time zone and locale fields. Both checks are memoised: luxon's zone check costs ~0.1 ms. */
import { IANAZone } from 'luxon';
import { type Check, fail, ok, show } from './text.js';

const MEMO_LIMIT = 2000;
const zoneMemo = new Map<string, string | null>();
const localeMemo = new Map<string, string | null>();

function remember<T>(memo: Map<string, T>, key: string, value: T): T {
  if (memo.size < MEMO_LIMIT) memo.set(key, value);
  return value;
}

let canonicalByLowerCase: Map<string, string> | undefined;

/** The zone names ICU lists, by lower-case spelling, to restore the usual capitalisation. */
function canonicalNames(): Map<string, string> {
  canonicalByLowerCase ??= new Map(
    Intl.supportedValuesOf('timeZone').map((zone) => [zone.toLowerCase(), zone]),
  );
  return canonicalByLowerCase;
}

/**
 * The zone as stored: the input with its usual capitalisation restored when that is known
 * (`america/new_york` → `America/New_York`), never swapped for another name of the same zone
 * (ICU would turn `Europe/Kyiv` into `Europe/Kiev`).
 */
function canonicalCase(zone: string): string {
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  if (resolved.toLowerCase() === zone.toLowerCase()) return resolved;
  return canonicalNames().get(zone.toLowerCase()) ?? zone;
}

/** An IANA time zone name that luxon accepts, in its usual capitalisation. */
export function timeZone(value: string): Check<string> {
  let zone = zoneMemo.get(value);
  if (zone === undefined) {
    zone = remember(zoneMemo, value, IANAZone.isValidZone(value) ? canonicalCase(value) : null);
  }
  if (zone === null) {
    return fail(
      `${show(value)} is not an IANA time zone (use a name such as Europe/Paris or America/New_York)`,
    );
  }
  return ok(zone);
}

function canonicalLocale(value: string): string | null {
  try {
    // `en_US` (as many exports write it) is read as `en-US`.
    const [locale] = Intl.getCanonicalLocales(value.replace(/_/g, '-'));
    return locale ?? null;
  } catch {
    return null;
  }
}

/** A BCP 47 locale tag in canonical form (`en-us` → `en-US`). */
export function locale(value: string): Check<string> {
  let tag = localeMemo.get(value);
  if (tag === undefined) tag = remember(localeMemo, value, canonicalLocale(value));
  if (tag === null) return fail(`${show(value)} is not a locale (use a tag such as en-US or fr-CA)`);
  return ok(tag);
}
