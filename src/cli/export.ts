/** `rapport export customers|events|deliveries [--format csv|jsonl] [--out FILE]`. */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { AppError, errorMessage } from '../errors.js';
import { EXPORT_FORMATS, runExport } from '../export/export.js';
import type { ExportKind } from '../export/kinds.js';
import { oneOf } from '../choice.js';
import { withRuntime, type GlobalOptions } from './context.js';
import { processIo, type Io } from './io.js';

export interface ExportCommandOptions extends GlobalOptions {
  format?: string;
  out?: string;
}

/** A write that waits while the stream's buffer is full, so memory stays flat. */
function streamWriter(stream: NodeJS.WritableStream): (chunk: string) => Promise<void> {
  return async (chunk) => {
    if (!stream.write(chunk)) await once(stream, 'drain');
  };
}

async function closeFile(file: WriteStream): Promise<void> {
  file.end();
  await once(file, 'finish');
}

export async function exportCommand(
  io: Io,
  kind: ExportKind,
  options: ExportCommandOptions,
): Promise<number> {
  const format = oneOf(
    EXPORT_FORMATS,
    options.format ?? (options.out?.toLowerCase().endsWith('.jsonl') ? 'jsonl' : 'csv'),
    '--format',
  );
  return withRuntime(io, options, async (rt) => {
    if (options.out === undefined) {
      // The real stdout is written with back-pressure; a captured one (tests) line by line.
      const write =
        io === processIo
          ? streamWriter(process.stdout)
          : (chunk: string) => {
              io.out(chunk);
              return Promise.resolve();
            };
      await runExport(rt.db, kind, format, write);
      return 0;
    }
    const file = createWriteStream(options.out);
    const failed = once(file, 'error').then(([error]) => {
      throw new AppError('E_EXPORT_WRITE', `cannot write ${options.out}: ${errorMessage(error)}`);
    });
    failed.catch(() => undefined); // handled by the race below; later errors have nothing left to fail
    const count = await Promise.race([runExport(rt.db, kind, format, streamWriter(file)), failed]);
    await closeFile(file);
    io.err(`${kind}: exported ${count} rows to ${options.out}`);
    return 0;
  });
}
