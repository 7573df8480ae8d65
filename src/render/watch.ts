/**
 * Notices edits under the templates folder. Only a hint (like the tick is for the worker):
 * the engine works without it, and tests call reload() directly.
 */
import { watch, type FSWatcher } from 'node:fs';

export interface FolderWatch {
  close(): void;
}

/**
 * Calls `onChange` once per burst of changes: an editor's save is often several events
 * (write temp file, rename, chmod), and a half-written file must not be loaded between them.
 */
export function watchFolder(
  dir: string,
  onChange: () => void,
  onError: (error: unknown) => void,
  delayMs = 100,
): FolderWatch {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const fire = () => {
    timer = undefined;
    try {
      onChange();
    } catch (error) {
      onError(error);
    }
  };
  try {
    watcher = watch(dir, { recursive: true }, () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(fire, delayMs);
    });
    watcher.on('error', onError);
  } catch (error) {
    onError(error);
  }
  return {
    close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      watcher?.close();
      watcher = undefined;
    },
  };
}
