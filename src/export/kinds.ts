/** What `rapport export` writes: a module of its own, so that the command line reads it without loading the export. */
export const EXPORT_KINDS = ['customers', 'events', 'deliveries'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
