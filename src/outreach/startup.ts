/**
 * What a worker does with the templates folder when it starts and while it runs: seed an empty
 * database from it, and (with `templates.sync`) import the files that changed since they were
 * last read, so editing `templates/` during development still takes effect at once.
 */
import type { Logger } from '../log.js';
import type { DbRuntime } from '../runtime.js';
import { watchFolder, type FolderWatch } from '../render/watch.js';
import { readFolderUnits } from './files.js';
import { importUnits, type ImportReport, type OutreachDeps } from './templates.js';
import { describeError } from '../errors.js';

const FILES_AUTHOR = 'templates folder';

export function outreachDeps(rt: DbRuntime): OutreachDeps {
  return { db: rt.db, automations: rt.config.automations, now: rt.now };
}

/** Seeds an empty database from the folder (commands that read templates but are no worker). */
export async function seedIfEmpty(rt: DbRuntime): Promise<ImportReport> {
  const units = readFolderUnits(rt.templatesDir);
  const report = await importUnits(outreachDeps(rt), units, {
    author: FILES_AUTHOR,
    origin: 'seed',
    publish: true,
  });
  logReport(rt.log, report);
  return report;
}

/** Seeds an empty database from the folder; afterwards, with `templates.sync`, imports what changed. */
export async function seedAndSync(rt: DbRuntime): Promise<ImportReport> {
  const units = readFolderUnits(rt.templatesDir);
  const deps = outreachDeps(rt);
  const seeded = await importUnits(deps, units, { author: FILES_AUTHOR, origin: 'seed', publish: true });
  const report =
    seeded.created.length > 0 || !rt.config.templates.sync
      ? seeded
      : await importUnits(deps, units, { author: FILES_AUTHOR, origin: 'sync', publish: true });
  logReport(rt.log, report);
  return report;
}

function logReport(log: Logger, report: ImportReport): void {
  for (const unit of report.created) {
    const at = { template: unit.template, locale: unit.locale || 'default', version: unit.version };
    if (unit.published)
      log.info(
        { event: 'template.published', ...at },
        `template ${unit.template} v${unit.version} published`,
      );
    else
      log.warn(
        { event: 'template.invalid', ...at, kept_previous: true, problems: unit.problems },
        `template ${unit.template} v${unit.version} from the templates folder has problems; the published version stays in use`,
      );
  }
}

/** Imports edits to the folder as they happen (development); `onSynced` runs after each import. */
export function watchTemplatesFolder(rt: DbRuntime, onSynced: () => void): FolderWatch {
  let running: Promise<unknown> = Promise.resolve();
  const sync = () => {
    running = running
      .then(() => seedAndSync(rt))
      .then(onSynced)
      .catch((error: unknown) =>
        rt.log.warn(
          { event: 'template.sync_failed', err: describeError(error) },
          'templates folder not imported',
        ),
      );
  };
  return watchFolder(rt.templatesDir, sync, (error) =>
    rt.log.warn({ event: 'template.watch_failed', err: describeError(error) }, 'not watching templates'),
  );
}
