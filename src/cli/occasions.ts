/** `rapport occasions list`: the computed dates of every occasion for a country (and region) and year. */
import { AppError } from '../errors.js';
import { country as checkCountry, region as checkRegion } from '../import/country.js';
import { listOccasions } from '../occasions/list.js';
import { OccasionCalendar } from '../occasions/resolve.js';
import { configOnly, type GlobalOptions } from './context.js';
import { jsonLines, table, type Io } from './io.js';

export interface OccasionsListOptions extends GlobalOptions {
  country?: string;
  region?: string;
  year?: string;
  json?: boolean;
}

export function occasionsListCommand(io: Io, options: OccasionsListOptions): number {
  const rt = configOnly(io, options);
  const year = options.year === undefined ? new Date(rt.now()).getUTCFullYear() : Number(options.year);
  if (!Number.isInteger(year) || year < 1900 || year > 2200) {
    throw new AppError('E_USAGE', `--year: "${options.year}" is not a year between 1900 and 2200`);
  }
  const given = options.country ?? rt.config.business.country ?? null;
  const country = given === null ? null : usage('--country', checkCountry(given));
  const region =
    options.region === undefined ? null : usage('--region', checkRegion(options.region, country));
  const rows = listOccasions(new OccasionCalendar(rt.config.occasions), { country, region }, year);
  if (options.json) {
    if (rows.length > 0) io.out(jsonLines(rows.map((r) => ({ ...r, year, country, region }))));
  } else if (rows.length === 0) {
    io.out(`No occasions for ${country ?? 'customers without a country'} in ${year}.`);
  } else {
    io.out(
      table(
        ['date', 'key', 'name', 'from', 'opt-in tags'],
        rows.map((r) => [r.date ?? 'UNKNOWN', r.key, r.name, r.detail, r.tags.join(', ')]),
      ),
    );
  }
  for (const r of rows.filter((r) => r.date === null)) {
    io.err(
      `warning: occasion "${r.key}" has no known date in ${year}: add occasions.${r.key}.dates.${year}: "MM-DD"`,
    );
  }
  return 0;
}

function usage<T>(flag: string, check: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (!check.ok) throw new AppError('E_USAGE', `${flag}: ${check.reason}`);
  return check.value;
}
