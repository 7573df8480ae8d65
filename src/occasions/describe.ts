/** How an occasion's date is shown to a person: which occasion, which date, and why that date. */
import type { OccasionDate } from './resolve.js';

export function describeSource(o: OccasionDate): string {
  const where = o.country === null ? '' : o.region === null ? `${o.country}: ` : `${o.country}-${o.region}: `;
  switch (o.source) {
    case 'table':
      return `table, ${o.rule}`;
    case 'rule':
      return `rule "${o.rule}"`;
    default:
      return `${where}${o.rule}`;
  }
}

/** `thanksgiving 2026-11-26 (US: 4th thursday in November)` */
export function describeOccasion(o: OccasionDate): string {
  return `${o.key} ${o.date} (${describeSource(o)})`;
}
