/**
 * The templates folder as the developer's door to the database: read into units for seeding,
 * syncing and import. At run time the database is the only source.
 */
import { readTemplateSources } from '../render/load.js';
import { unitsOfSources, type Unit } from './units.js';

/** The units in a templates folder; none when the folder does not exist. */
export function readFolderUnits(dir: string): Unit[] {
  const sources = readTemplateSources(dir);
  return sources.exists ? unitsOfSources(sources) : [];
}
