/**
 * The templates folder as the developer's door to the database: read into units for seeding,
 * syncing and import, and written back by export. At run time the database is the only source.
 *
 *   templates/<name>/subject.hbs, html.hbs, text.hbs           the default variant
 *   templates/<name>/<locale>/subject.hbs, html.hbs, text.hbs  a language variant (de, pt-BR…)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { validLocale } from '../render/audience.js';
import { readTemplateSources } from '../render/load.js';
import { unitPaths, unitsOfSources, type Unit } from './units.js';

/** The units in a templates folder, language variants included; none when the folder does not exist. */
export function readFolderUnits(dir: string): Unit[] {
  const sources = readTemplateSources(dir);
  if (!sources.exists) return [];
  const units = unitsOfSources(sources);
  for (const name of sources.templates.keys()) {
    // A template folder read as a folder of templates: its sub-folders are its variants.
    const variants = readTemplateSources(path.join(dir, name));
    for (const unit of unitsOfSources(variants)) {
      const locale = validLocale(unit.name);
      if (unit.kind !== 'template' || locale === undefined) continue;
      units.push({ ...unit, kind: 'template', name, locale });
    }
  }
  return units;
}

/** Writes units as files (the layout readFolderUnits reads); returns the paths written. */
export function writeFolderUnits(dir: string, units: readonly Unit[]): string[] {
  const written: string[] = [];
  const put = (relative: string, text: string | null) => {
    if (text === null || relative === '') return;
    const file = path.join(dir, ...relative.split('/'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    written.push(file);
  };
  for (const unit of units) {
    const paths = unitPaths(unit);
    put(paths.subject, unit.subject);
    put(paths.html, unit.html);
    put(paths.text, unit.text);
  }
  return written;
}
