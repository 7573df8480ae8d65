/** `rapport import customers|events|content FILE|-`. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { AppError, EXIT } from '../errors.js';
import { parseDateFormat } from '../import/date-input.js';
import { formatRowWarning } from '../import/format.js';
import { type ExplicitMap, parseMapFile, parseMapOption } from '../import/mapping.js';
import { detectFormat } from '../import/parse.js';
import { exitCodeFor, formatRowError, type ImportReport } from '../import/run.js';
import type { ImportKind } from '../import/types.js';
import { importInThread } from '../import/thread.js';
import type { GlobalOptions } from './context.js';
import type { Io } from './io.js';

export interface ImportCommandOptions extends GlobalOptions {
  format?: string;
  dryRun?: boolean;
  map?: string;
  mapFile?: string;
  dateFormat?: string;
  strict?: boolean;
}

function explicitMap(options: ImportCommandOptions): ExplicitMap | undefined {
  if (options.map !== undefined && options.mapFile !== undefined) {
    throw new AppError('E_USAGE', 'give --map or --map-file, not both');
  }
  if (options.map !== undefined) return parseMapOption(options.map);
  if (options.mapFile === undefined) return undefined;
  if (!existsSync(options.mapFile))
    throw new AppError('E_IMPORT_UNREADABLE', `cannot read ${options.mapFile}: no such file`);
  return parseMapFile(readFileSync(options.mapFile, 'utf8'), options.mapFile);
}

function printReport(io: Io, kind: ImportKind, report: ImportReport): void {
  for (const e of report.rejected) io.err(formatRowError(e));
  if (report.errorsOmitted > 0) io.err(`… and ${report.errorsOmitted} more problems`);
  for (const note of report.sharedAddresses) io.out(formatRowError(note));
  if (report.keptUnsubscribed > 0) {
    io.out(
      `${report.keptUnsubscribed} rows asked to re-subscribe addresses that opted out; left unsubscribed`,
    );
  }
  for (const w of report.warnings) io.err(formatRowWarning(w));
  if (report.warningsOmitted > 0) {
    const byField = Object.entries(report.warningsOmittedByField)
      .map(([field, n]) => `${field}: ${n}`)
      .join(', ');
    io.err(`… and ${report.warningsOmitted} more warnings (${byField})`);
  }
  if (report.zonedTimes > 0) {
    io.out(
      `times without an offset were read in ${report.zone} (business.timezone): ${report.zonedTimes} values`,
    );
  }
  const verb = report.dryRun ? 'would import' : 'imported';
  const warned = report.warnings.length + report.warningsOmitted;
  io.out(
    `${kind}: read ${report.read} rows; ${verb} ${report.accepted} ` +
      `(${report.inserted} new, ${report.updated} changed, ${report.unchanged} unchanged); rejected ${report.rejectedCount}` +
      (warned > 0 ? `; ${warned} fields left out (warnings)` : ''),
  );
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
  const map = explicitMap(options);
  const dateFormat = options.dateFormat === undefined ? undefined : parseDateFormat(options.dateFormat);
  const settings = {
    kind,
    format,
    dryRun: options.dryRun === true,
    map,
    dateFormat,
    strict: options.strict === true,
  };
  const onMapping = (lines: string[]) => io.out(`columns of ${file}:\n${lines.join('\n')}`);
  if (file === '-') {
    // Standard input is this thread's to read.
    const [{ withRuntime }, { importInto }] = await Promise.all([
      import('./context.js'),
      import('../import/file.js'),
    ]);
    return withRuntime(io, options, async (rt) => {
      const input = io.stdin as Readable;
      const report = await importInto(rt.db, rt.config, { ...settings, now: rt.now(), input, onMapping });
      return finish(io, kind, file, report);
    });
  }
  // A file is read, checked and written from a thread of its own, which opens the configuration
  // and the database itself (import/thread.ts): this one loads neither.
  const logLevel = options.logLevel ?? io.env.RAPPORT_LOG_LEVEL ?? 'warn';
  const runtime = { configFile: options.config, env: { ...io.env }, logLevel };
  const report = await importInThread({ runtime, options: settings }, file, { onMapping });
  return finish(io, kind, file, report);
}

function finish(io: Io, kind: ImportKind, file: string, report: ImportReport): number {
  printReport(io, kind, report);
  if (report.read === 0) {
    io.err(`${file}: no rows to import`);
    return EXIT.failure;
  }
  return exitCodeFor(report);
}
