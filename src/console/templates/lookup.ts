/**
 * Reading what the templates pages show: the template named in the path, the locale asked for,
 * and the version an editor opens (the latest of that variant, or a copy of the default for a
 * variant not saved yet).
 */
import type { FastifyRequest } from 'fastify';
import type { Database } from '../../db/connect.js';
import { findTemplate } from '../../db/templates.js';
import { AppError } from '../../errors.js';
import { locale as checkLocale } from '../../import/zone.js';
import { templateHistory, type HistoryEntry } from '../../outreach/catalog.js';
import { scalarText } from '../../text.js';
import { routeParam } from '../request-fields.js';

export function templateParam(request: FastifyRequest): string {
  return routeParam(request, 'name');
}

/** Only templates open in the editor: layouts and partials are changed from files. */
export async function requireTemplate(db: Database, name: string): Promise<void> {
  if (!(await findTemplate(db.knex, 'template', name)))
    throw new AppError('E_NOT_FOUND', `there is no template "${name}"`);
}

/** '' for the default variant, else a canonical locale tag; a bad one is E_USAGE naming it. */
export function localeOf(value: unknown, field = 'locale'): string {
  if (value === undefined || value === null || value === '') return '';
  const checked = typeof value === 'string' && value.length <= 35 ? checkLocale(value.trim()) : null;
  if (!checked?.ok)
    throw new AppError(
      'E_USAGE',
      `${field}: "${scalarText(value)}" is not a locale (use a tag such as fr or fr-CA)`,
    );
  return checked.value;
}

export interface Opened {
  /** The latest version of the variant, or of the default when the variant has none yet. */
  shown: HistoryEntry | null;
  /** The variant's own latest version (the base a save starts from). */
  baseVersion: number | null;
  published: number | null;
  locales: string[];
}

export async function openVariant(db: Database, name: string, locale: string): Promise<Opened> {
  const all = await templateHistory(db, { kind: 'template', name });
  const locales = [...new Set(['', ...all.map((v) => v.locale)])].sort();
  const own = all.filter((v) => v.locale === locale);
  const latest = own.at(-1) ?? all.filter((v) => v.locale === '').at(-1) ?? null;
  return {
    shown: latest,
    baseVersion: own.at(-1)?.version ?? null,
    published: own.find((v) => v.published)?.version ?? null,
    locales: own.length === 0 ? [...locales, locale].filter((l, i, a) => a.indexOf(l) === i) : locales,
  };
}
