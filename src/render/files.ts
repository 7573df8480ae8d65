/**
 * Reading template files safely: only regular files that live inside the templates folder, and
 * only up to a size a template can sensibly have. Whoever can write to the folder could
 * otherwise make the daemon mail any file it can read (a symlink to `data/secret`), or stall
 * and exhaust it with one huge file.
 *
 * A file is judged by `lstat` and `realpath` before it is opened, then opened with O_NOFOLLOW
 * and judged again by `fstat` on the descriptor, so a symlink swapped in between is not
 * followed either. Nothing here throws for a refused or vanished file: it says why instead.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  realpathSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../error-fields.js';

/** The largest template, partial or layout file, in bytes (512 KB). */
export const TEMPLATE_MAX_BYTES = 512 * 1024;

/** What one entry of the templates folder is, without following it. */
export type EntryKind = 'file' | 'directory' | 'refused' | 'other' | 'missing';

export interface Entry {
  kind: EntryKind;
  /** Why it is refused, when `kind` is 'refused'. */
  reason?: string;
}

export type ReadResult = { ok: true; source: string } | { ok: false; reason: string; missing?: boolean };

/** Resolves the templates folder once: every file must resolve to a path under it. */
export function realRoot(dir: string): string {
  return realpathSync(dir);
}

/**
 * Judges `file` without reading it: a symlink, or anything whose real path leaves `root`
 * (the folder's real path), is refused; so is a regular file over the cap.
 */
export function inspectEntry(root: string, file: string): Entry {
  let stats: Stats;
  try {
    stats = lstatSync(file);
  } catch {
    return { kind: 'missing' };
  }
  if (stats.isSymbolicLink()) {
    return {
      kind: 'refused',
      reason: 'is a symbolic link; templates must be files of the templates folder itself',
    };
  }
  if (!isInside(root, file)) return { kind: 'refused', reason: 'resolves outside the templates folder' };
  if (stats.isDirectory()) return { kind: 'directory' };
  if (!stats.isFile()) return { kind: 'other' };
  if (stats.size > TEMPLATE_MAX_BYTES) return { kind: 'refused', reason: tooBig(stats.size) };
  return { kind: 'file' };
}

/** Reads one template file as UTF-8, after the same checks as inspectEntry. */
export function readTemplateFile(root: string, file: string): ReadResult {
  const entry = inspectEntry(root, file);
  if (entry.kind === 'missing') return { ok: false, reason: 'does not exist', missing: true };
  if (entry.kind === 'refused') return { ok: false, reason: entry.reason ?? 'is refused' };
  if (entry.kind !== 'file') return { ok: false, reason: 'is not a regular file' };
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ELOOP')
      return {
        ok: false,
        reason: 'is a symbolic link; templates must be files of the templates folder itself',
      };
    return { ok: false, reason: `could not be read (${code ?? String(error)})`, missing: code === 'ENOENT' };
  }
  try {
    return readBounded(fd);
  } finally {
    closeSync(fd);
  }
}

/** Reads at most one byte past the cap: a file that grew since it was judged is refused, not read whole. */
function readBounded(fd: number): ReadResult {
  const stats = fstatSync(fd);
  if (!stats.isFile()) return { ok: false, reason: 'is not a regular file' };
  if (stats.size > TEMPLATE_MAX_BYTES) return { ok: false, reason: tooBig(stats.size) };
  const buffer = Buffer.alloc(TEMPLATE_MAX_BYTES + 1);
  let length = 0;
  for (let n = -1; n !== 0 && length < buffer.length; length += n) {
    n = readSync(fd, buffer, length, buffer.length - length, null);
  }
  if (length > TEMPLATE_MAX_BYTES) return { ok: false, reason: tooBig(Math.max(length, stats.size)) };
  return { ok: true, source: buffer.toString('utf8', 0, length) };
}

function isInside(root: string, file: string): boolean {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return false;
  }
  const relative = path.relative(root, real);
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}

function tooBig(size: number): string {
  return `is ${size} bytes; a template file may be at most ${TEMPLATE_MAX_BYTES} bytes (512 KB)`;
}
