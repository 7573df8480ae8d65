/** Reading the raw bytes of an import: read errors and binary files become AppErrors. */
import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { AppError, describeError } from '../errors.js';

const E_IMPORT_UNREADABLE = 'E_IMPORT_UNREADABLE';

/** How much of the start of a file must be valid UTF-8 for it to count as text. */
const SNIFF_BYTES = 64 * 1024;

export function unreadable(message: string): AppError {
  return new AppError(E_IMPORT_UNREADABLE, message);
}

/** Any failure while reading, as an E_IMPORT_UNREADABLE AppError (AppErrors pass through). */
export function asUnreadable(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = describeError(err);
  return unreadable(`could not read the input: ${message}`);
}

/**
 * The input's bytes, unchanged. The first 64 KiB must be UTF-8: a binary file (a
 * spreadsheet, an archive) or a file saved in another encoding is refused as a whole before
 * any row is imported. Later stray bytes become U+FFFD, which the row checks refuse.
 */
export async function* textBytes(input: Readable): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let seen = 0;
  try {
    for await (const chunk of input) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      if (seen < SNIFF_BYTES) decodeOrRefuse(decoder, bytes);
      seen += bytes.length;
      yield bytes;
    }
  } catch (err) {
    throw asUnreadable(err);
  }
}

function decodeOrRefuse(decoder: TextDecoder, bytes: Buffer): void {
  try {
    decoder.decode(bytes, { stream: true });
  } catch {
    throw unreadable(
      'the input is not UTF-8 text (a binary file, or a file saved in another encoding?); ' +
        'save it as "CSV UTF-8" or as JSON Lines and import it again',
    );
  }
}
