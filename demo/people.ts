/**
 * One believable person: a name from a culture, an address at an example domain (never a real
 * one), a time zone and a locale.
 */
import type { Culture } from './names.js';
import type { Random } from './random.js';

export interface Person {
  first: string;
  last: string;
  email: string;
  /** null: imported without one; the business's zone applies. */
  zone: string | null;
  locale: string | null;
}

const DOMAINS = ['example.com', 'example.org', 'example.net'] as const;

/** Letters only, no accents: "Siobhán O'Brien" → "siobhan", "obrien". */
function asciiSlug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .replace(/ı/g, 'i')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

function emailFor(rng: Random, first: string, last: string, used: Set<string>): string {
  const f = asciiSlug(first);
  const l = asciiSlug(last);
  const patterns = [
    `${f}.${l}`,
    `${f}${l}`,
    `${f[0] ?? 'x'}.${l}`,
    `${f}_${l}`,
    `${f}${rng.int(10, 99)}`,
    `${l}.${f}`,
  ];
  const domain = rng.weighted(DOMAINS, [6, 2, 2]);
  let local = rng.pick(patterns);
  let address = `${local}@${domain}`;
  for (let n = 2; used.has(address); n++) {
    local = `${f}.${l}${n}`;
    address = `${local}@${domain}`;
  }
  used.add(address);
  return address;
}

export function makePerson(rng: Random, culture: Culture, used: Set<string>, zone?: string | null): Person {
  const first = rng.pick(culture.first);
  const last = rng.pick(culture.last);
  const chosenZone = zone === undefined ? rng.pick(culture.zones) : zone;
  // Point-of-sale exports often lack a locale; the business's applies then.
  const locale = rng.chance(0.3) ? null : culture.locale;
  return { first, last, email: emailFor(rng, first, last, used), zone: chosenZone, locale };
}
