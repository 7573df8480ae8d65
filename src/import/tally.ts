/** The running totals of one import, turned into its report at the end. */
import type { ImportKind, RowError, UpsertCounts } from './types.js';

export interface ImportReport {
  kind: ImportKind;
  dryRun: boolean;
  /** Rows read (blank lines not counted), good or bad. */
  read: number;
  /** Rows that passed every check (in a dry run: would have been written). */
  accepted: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** The first problems found (at most `maxErrors`), in line order. */
  rejected: RowError[];
  /** Rows refused, including those whose errors were not kept in `rejected`. */
  rejectedCount: number;
  /** Problems found but not kept in `rejected`. */
  errorsOmitted: number;
  /** Rows that asked to re-subscribe an address that opted out: imported, left unsubscribed. */
  keptUnsubscribed: number;
  /** Good rows whose address another record (in the file or stored) has too, in line order. */
  sharedAddresses: RowError[];
  /**
   * Optional fields left out of rows that were imported: the first of each field (a tenth of
   * `maxErrors` per field, `maxErrors` in all), so a column bad on every row of a large file
   * neither fills memory nor hides the other columns' warnings.
   */
  warnings: RowError[];
  /** Warnings found but not kept in `warnings`. */
  warningsOmitted: number;
  /** The same, by field. */
  warningsOmittedByField: Record<string, number>;
  /** Values read in `zone` because they had no offset. */
  zonedTimes: number;
  /** The business zone those values were read in. */
  zone: string;
}

export class Tally {
  private readonly report: ImportReport;
  private readonly keptByField = new Map<string, number>();
  private readonly omittedByField = new Map<string, number>();

  constructor(
    kind: ImportKind,
    dryRun: boolean,
    private readonly maxErrors: number,
  ) {
    this.report = {
      kind,
      dryRun,
      read: 0,
      accepted: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      rejected: [],
      rejectedCount: 0,
      errorsOmitted: 0,
      keptUnsubscribed: 0,
      sharedAddresses: [],
      warnings: [],
      warningsOmitted: 0,
      warningsOmittedByField: {},
      zonedTimes: 0,
      zone: 'UTC',
    };
  }

  read(): void {
    this.report.read++;
  }

  /** One refused row, with all its problems. */
  reject(errors: readonly RowError[]): void {
    this.report.rejectedCount++;
    for (const error of errors) {
      if (this.report.rejected.length < this.maxErrors) this.report.rejected.push(error);
      else this.report.errorsOmitted++;
    }
  }

  /** The optional fields one imported row was taken without. */
  warn(warnings: readonly RowError[]): void {
    const perField = Math.max(1, Math.ceil(this.maxErrors / 10));
    for (const warning of warnings) {
      const kept = this.keptByField.get(warning.field) ?? 0;
      if (this.report.warnings.length < this.maxErrors && kept < perField) {
        this.report.warnings.push(warning);
        this.keptByField.set(warning.field, kept + 1);
      } else {
        this.report.warningsOmitted++;
        this.omittedByField.set(warning.field, (this.omittedByField.get(warning.field) ?? 0) + 1);
      }
    }
  }

  zoned(count: number, zone: string): void {
    this.report.zonedTimes = count;
    this.report.zone = zone;
  }

  accept(rows: number, counts?: UpsertCounts): void {
    this.report.accepted += rows;
    if (!counts) return;
    this.report.inserted += counts.inserted;
    this.report.updated += counts.updated;
    this.report.unchanged += counts.unchanged;
    this.report.keptUnsubscribed += counts.keptUnsubscribed ?? 0;
  }

  /** A note about a good row (kept up to the same limit as problems). */
  note(note: RowError): void {
    if (this.report.sharedAddresses.length < this.maxErrors) this.report.sharedAddresses.push(note);
  }

  finish(): ImportReport {
    // Stable sort: a row's own errors keep their column order.
    this.report.rejected.sort((a, b) => a.line - b.line);
    this.report.sharedAddresses.sort((a, b) => a.line - b.line);
    this.report.warnings.sort((a, b) => a.line - b.line);
    // Own properties only (fromEntries): a column's name never reaches a prototype.
    this.report.warningsOmittedByField = Object.fromEntries(this.omittedByField);
    return this.report;
  }
}
