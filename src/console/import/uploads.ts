/**
 * Files uploaded on the import page, kept until they are imported or cancelled, and an hour at
 * most. Each upload is a folder named by a random id (never by anything the browser sent) with
 * the file and a small description of it; the id is the upload's token, and it is good only
 * for the person who uploaded the file.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ImportFormat } from '../../import/types.js';

/** How long an upload waits for its import. */
export const UPLOAD_TTL_MS = 3_600_000;

const ID = /^[0-9a-f]{32}$/;

export type UploadKind = 'customers' | 'events';

export interface Upload {
  id: string;
  staffId: number;
  kind: UploadKind;
  format: ImportFormat;
  /** The file's name as the browser gave it: shown to staff, never used as a path. */
  name: string;
  size: number;
  createdAt: number;
  /** The file's columns, once it has been checked (CSV and Excel). */
  columns?: string[];
  /** Column → field or attribute (`-` ignores it), once staff changed the detected mapping. */
  map?: Array<[string, string]>;
  /** A date format staff chose (`DD/MM/YYYY`…). */
  dateFormat?: string;
  /** A bad optional field refuses the row instead of being left out. */
  strict: boolean;
  /** Counts changes to the settings above, so a confirmation is for what was checked. */
  version: number;
}

export type NewUpload = Omit<Upload, 'id' | 'size' | 'columns' | 'map' | 'dateFormat' | 'version'>;

export class Uploads {
  readonly root: string;

  constructor(dir: string) {
    this.root = dir === '' ? join(tmpdir(), 'rapport-imports') : dir;
  }

  /** The stored file's path. */
  file(upload: Upload): string {
    return join(this.root, upload.id, 'file');
  }

  /**
   * Stores `stream` under a new id; undefined (and nothing kept) when it is longer than the
   * limit the stream was read with (`truncated()` says so after the end).
   */
  async save(stream: Readable, truncated: () => boolean, upload: NewUpload): Promise<Upload | undefined> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const id = randomBytes(16).toString('hex');
    const dir = join(this.root, id);
    await mkdir(dir, { mode: 0o700 });
    try {
      await pipeline(stream, createWriteStream(join(dir, 'file'), { mode: 0o600 }));
      if (truncated()) {
        await this.remove(id);
        return undefined;
      }
      const { size } = await stat(join(dir, 'file'));
      const saved: Upload = { ...upload, id, size, version: 1 };
      await this.update(saved);
      return saved;
    } catch (error) {
      await this.remove(id);
      throw error;
    }
  }

  async update(upload: Upload): Promise<void> {
    await writeFile(join(this.root, upload.id, 'upload.json'), JSON.stringify(upload), { mode: 0o600 });
  }

  /** The upload, if `id` names one that `staffId` made and that has not expired. */
  async load(id: string, staffId: number, now: number): Promise<Upload | undefined> {
    if (!ID.test(id)) return undefined;
    const upload = await this.read(id);
    if (upload === undefined || upload.staffId !== staffId) return undefined;
    if (now - upload.createdAt > UPLOAD_TTL_MS) {
      await this.remove(id);
      return undefined;
    }
    return upload;
  }

  async remove(id: string): Promise<void> {
    if (ID.test(id)) await rm(join(this.root, id), { recursive: true, force: true });
  }

  /** Deletes uploads older than an hour (or unreadable and that old), except those in `busy`. */
  async sweep(now: number, busy: ReadonlySet<string>): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return;
    }
    for (const id of names) {
      if (!ID.test(id) || busy.has(id)) continue;
      const upload = await this.read(id);
      const made = upload?.createdAt ?? (await stat(join(this.root, id)).catch(() => undefined))?.mtimeMs;
      if (made === undefined || now - made > UPLOAD_TTL_MS) await this.remove(id);
    }
  }

  private async read(id: string): Promise<Upload | undefined> {
    try {
      return JSON.parse(await readFile(join(this.root, id, 'upload.json'), 'utf8')) as Upload;
    } catch {
      return undefined;
    }
  }
}
