/**
 * An import of a file run in a thread of its own (thread-work.ts), on a database connection of
 * its own, with a bounded heap. An import makes garbage at the pace it reads (every cell a
 * string, every row an object) and V8 sizes a heap from what the thread keeps alive: on the main
 * thread of `rapport import`, which held every module and their state, a million-row import
 * peaked at 230 MB. In this thread, which holds only the import, with its young generation capped
 * (and, for a real import, its old one), the same import, writer thread included, peaks near
 * 185 MB.
 *
 * Only settings cross into the thread (the file is opened there) and only the mapping, progress,
 * the report or the error come back. A dry run keeps each address's first record (addresses.ts),
 * so its old generation is not capped.
 */
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors.js';
import { workerScript } from '../worker-script.js';
import { AmbiguousDates } from './date-input.js';
import type { Mapping } from './mapping.js';
import type { ImportOptions } from './run.js';
import type { ImportReport } from './tally.js';

/**
 * The thread's young generation, in MB: V8's default lets each semi-space grow to 16 MB. At 16 MB
 * a million rows took some 20 MB more memory; at 4, the collections cost a few seconds more CPU
 * than V8's default, less than the writer thread gains.
 */
const YOUNG_GENERATION_MB = 4;
/**
 * The thread's old generation, in MB, for an import that writes: what stays alive is one batch,
 * the stored rows read for it, and the modules; the ids seen so far live outside the heap.
 */
const OLD_GENERATION_MB = 128;

/** What an import in the thread is given: plain data, as it crosses threads. */
export type ThreadImport = Omit<ImportOptions, 'input' | 'store' | 'onMapping' | 'onProgress'>;

/**
 * Where the thread imports to: a database by its URL, with the import's options complete; or
 * what `rapport import` opens (its configuration, the database migrated), the options then
 * completed there from the configuration and the current time its clock's.
 */
export type ThreadTarget =
  | { url: string; options: ThreadImport }
  | {
      runtime: { configFile?: string; env: Record<string, string | undefined>; logLevel: string };
      options: Omit<ThreadImport, 'now'>;
    };

export interface ThreadCallbacks {
  onMapping?: (lines: string[], mapping: Mapping) => void;
  onProgress?: (read: number) => void;
}

export const THREAD_KIND = 'rapport-import';

export type Job = ThreadTarget & { kind: typeof THREAD_KIND; path: string };

export interface Failure {
  message: string;
  code?: string;
  details?: string[];
  dates?: { column: string; example: string };
}

export type Reply =
  | { mapping: { lines: string[]; mapping: Mapping } }
  | { progress: number }
  | { report: ImportReport }
  | { error: Failure };

export function failureOf(error: unknown): Failure {
  if (error instanceof AmbiguousDates)
    return { message: error.message, dates: { column: error.column, example: error.example } };
  if (error instanceof AppError)
    return { message: error.message, code: error.code, details: [...error.details] };
  return { message: error instanceof Error ? error.message : String(error) };
}

function errorOf(failure: Failure): Error {
  if (failure.dates) return new AmbiguousDates(failure.dates.column, failure.dates.example, failure.message);
  if (failure.code !== undefined) return new AppError(failure.code, failure.message, failure.details);
  return new Error(failure.message);
}

/**
 * Imports the file at `path` from a thread of its own, into the database at the target's URL (a
 * SQLite file or Postgres: not one in memory, which another thread cannot open) or into the one
 * the target's configuration names.
 */
export function importInThread(
  target: ThreadTarget,
  path: string,
  callbacks: ThreadCallbacks = {},
): Promise<ImportReport> {
  const { script, eval: isEval } = workerScript(
    import.meta.url.replace(/thread\.(ts|js)$/, 'thread-work.$1'),
  );
  const job: Job = { ...target, kind: THREAD_KIND, path };
  const { options } = target;
  const worker = new Worker(script, {
    eval: isEval,
    workerData: job,
    resourceLimits: {
      maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
      ...(options.dryRun ? {} : { maxOldGenerationSizeMb: OLD_GENERATION_MB }),
    },
  });
  return new Promise<ImportReport>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: { report: ImportReport } | { error: Error }) => {
      if (settled) return;
      settled = true;
      if ('report' in outcome) resolve(outcome.report);
      else reject(outcome.error);
    };
    worker.on('message', (reply: Reply) => {
      if ('mapping' in reply) callbacks.onMapping?.(reply.mapping.lines, reply.mapping.mapping);
      else if ('progress' in reply) callbacks.onProgress?.(reply.progress);
      else if ('report' in reply) settle({ report: reply.report });
      else settle({ error: errorOf(reply.error) });
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      settle({
        error: memory
          ? new AppError(
              'E_IMPORT_MEMORY',
              `the import ran out of the memory it may use (${OLD_GENERATION_MB} MB of objects); the rows ` +
                'committed before stay stored: are some rows very long? Import the file in parts to finish',
            )
          : error,
      });
    });
    worker.once('exit', () =>
      settle({ error: new Error('the import thread stopped before it reported; import the file again') }),
    );
  });
}
