/** `rapport import customers|events|content FILE|-`. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { AppError, EXIT } from '../errors.js';
import { detectFormat } from '../import/parse.js';
import { importStore } from '../import/db-store.js';
import { exitCodeFor, formatRowError, runImport } from '../import/run.js';
import type { ImportKind } from '../import/types.js';
import { withRuntime, type GlobalOptions } from './context.js';
import type { Io } from './io.js';

export interface ImportCommandOptions extends GlobalOptions {
  format?: string;
  dryRun?: boolean;
}

export async function importCommand(
  io: Io,
  kind: ImportKind,
  file: string,
  options: ImportCommandOptions,
): Promise<number> {
  const format = detectFormat(file, options.format);
  if (file !== '-' && (!existsSync(file) || !statSync(file).isFile())) {
    throw new AppError('E_IMPORT_UNREADABLE', `cannot read ${file}: no such file`);
  }
  return withRuntime(io, options, async (rt) => {
    const input = (file === '-' ? io.stdin : createReadStream(file)) as Readable;
    const report = await runImport({
      kind,
      input,
      format,
      store: importStore(rt.db),
      dryRun: options.dryRun === true,
      now: rt.now(),
    });
    for (const e of report.rejected) io.err(formatRowError(e));
    if (report.errorsOmitted > 0) io.err(`… and ${report.errorsOmitted} more problems`);
    for (const note of report.sharedAddresses) io.out(formatRowError(note));
    if (report.keptUnsubscribed > 0) {
      io.out(`${report.keptUnsubscribed} rows asked to re-subscribe addresses that opted out; left unsubscribed`);
    }
    const verb = report.dryRun ? 'would import' : 'imported';
    io.out(
      `${kind}: read ${report.read} rows; ${verb} ${report.accepted} ` +
        `(${report.inserted} new, ${report.updated} changed, ${report.unchanged} unchanged); rejected ${report.rejectedCount}`,
    );
    if (report.read === 0) {
      io.err(`${file}: no rows to import`);
      return EXIT.failure;
    }
    return exitCodeFor(report);
  });
}
