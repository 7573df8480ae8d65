/**
 * Reading, preparing and checking a large file's rows in a worker thread, so that on a machine
 * with a second core the import's writes (the main thread's work: merging and the database)
 * run while the next rows are parsed. The worker runs the same checkedRows as an inline import;
 * the main thread forwards the input's chunks to it (transferred, not copied) and receives the
 * checked rows in order, a few hundred per message. Both directions are bounded: the main thread
 * reads no further than a few chunks ahead of the worker, and the worker checks no further than
 * a few messages ahead of the writes, so memory stays flat whatever the file's size.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { AppError } from '../errors.js';
import { asUnreadable } from './input.js';
import type { Mapping } from './mapping.js';
import { type CheckedRow, type CheckedRows, type CheckOptions, checkedRows } from './checked.js';

const KIND = 'rapport-import-rows';

/** Checked rows per message from the worker. */
const ROWS_PER_MESSAGE = 500;
/** Messages of rows the worker may send before the main thread has taken them. */
const ROWS_AHEAD = 4;
/** Chunks of input the main thread may send before the worker has read them. */
const CHUNKS_AHEAD = 4;

/** What the worker needs: the import's options without its input and callbacks. */
type Job = Omit<CheckOptions, 'input' | 'onMapping'> & { kind: CheckOptions['kind'] };

type ToWorker = { type: 'chunk'; bytes: Uint8Array } | { type: 'end' } | { type: 'fail' } | { type: 'taken' };

type FromWorker =
  | { type: 'mapping'; lines: string[]; mapping: Mapping }
  /** The rows as JSON text: much cheaper to send between threads than the objects themselves. */
  | { type: 'rows'; rows: string }
  | { type: 'read' }
  | { type: 'done'; zoned: number }
  | { type: 'error'; code?: string; message: string; details?: string[] };

/** A promise with its resolver, for waiting on the other thread. */
function signal(): { wait: Promise<void>; fire: () => void } {
  let fire = () => {};
  const wait = new Promise<void>((resolve) => (fire = resolve));
  return { wait, fire };
}

/**
 * `first` (the chunks already read) and the rest of `input`, as checked rows from a worker
 * thread. Errors reading `input` end the rows where the inline import would: after every row of
 * the chunks read before it, as the same E_IMPORT_UNREADABLE.
 */
export function threadedRows<T>(
  options: CheckOptions,
  first: readonly Buffer[],
  rest: AsyncIterator<unknown>,
): CheckedRows<T> {
  const { onMapping } = options;
  const { kind, format, map, dateFormat, zone, consent, now, strict } = options;
  const job: Job = { kind, format, map, dateFormat, zone, consent, now, strict };
  const { script, eval: isEval } = workerScript();
  const worker = new Worker(script, { eval: isEval, workerData: { kind: KIND, job } });
  let zoned = 0;
  const queue: FromWorker[] = [];
  let arrived = signal();
  let readByWorker = 0;
  let chunkRead = signal();
  let inputError: unknown;
  const deliver = (message: FromWorker) => {
    if (message.type === 'read') {
      readByWorker++;
      chunkRead.fire();
      return;
    }
    queue.push(message);
    arrived.fire();
  };
  worker.on('message', deliver);
  worker.on('error', (error) => deliver({ type: 'error', message: error.message }));
  worker.on('exit', () => deliver({ type: 'error', message: 'the import worker stopped' }));
  let stopped = false;
  async function feed(): Promise<void> {
    let sent = 0;
    const send = async (bytes: Uint8Array) => {
      while (sent - readByWorker >= CHUNKS_AHEAD && !stopped) {
        chunkRead = signal();
        await chunkRead.wait;
      }
      if (stopped) return;
      const copy = new Uint8Array(bytes); // a buffer of its own, as pooled ones share memory
      worker.postMessage({ type: 'chunk', bytes: copy } satisfies ToWorker, [copy.buffer]);
      sent++;
    };
    try {
      for (const chunk of first) await send(chunk);
      for (;;) {
        const next = await rest.next();
        if (next.done || stopped) break;
        const value: unknown = next.value;
        await send(typeof value === 'string' ? Buffer.from(value) : (value as Uint8Array));
      }
      if (!stopped) worker.postMessage({ type: 'end' } satisfies ToWorker);
    } catch (error) {
      inputError = error;
      if (!stopped) worker.postMessage({ type: 'fail' } satisfies ToWorker);
    }
  }
  async function* rows(): AsyncGenerator<CheckedRow<T>> {
    const feeding = feed();
    try {
      for (;;) {
        const message = queue.shift();
        if (!message) {
          arrived = signal();
          await arrived.wait;
          continue;
        }
        if (message.type === 'mapping') onMapping?.(message.lines, message.mapping);
        else if (message.type === 'rows') {
          worker.postMessage({ type: 'taken' } satisfies ToWorker);
          yield* JSON.parse(message.rows) as CheckedRow<T>[];
        } else if (message.type === 'done') {
          zoned = message.zoned;
          return;
        } else if (message.type === 'error') {
          if (inputError !== undefined) throw asUnreadable(inputError);
          throw message.code
            ? new AppError(message.code, message.message, message.details)
            : new Error(message.message);
        }
      }
    } finally {
      stopped = true;
      chunkRead.fire();
      worker.removeAllListeners('exit');
      await worker.terminate();
      await feeding;
    }
  }
  return { rows: rows(), zoned: () => zoned };
}

/**
 * This module as the worker's script. Run from TypeScript sources (the tests), the worker first
 * registers tsx's loader, as the main thread did, then imports it.
 */
function workerScript(): { script: string | URL; eval: boolean } {
  const self = new URL(import.meta.url);
  if (!self.pathname.endsWith('.ts')) return { script: self, eval: false };
  // An ES module loader registered in a worker does not apply to it on Node 20; tsx's
  // CommonJS hook does, in-thread.
  const tsx = createRequire(self).resolve('tsx/cjs/api');
  const file = fileURLToPath(self);
  return {
    script: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`,
    eval: true,
  };
}

/** The worker's side: input chunks in, checked rows out, each direction within its bound. */
async function work(job: Job): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const chunks: ToWorker[] = [];
  let inbox = signal();
  let taken = 0;
  let takenSignal = signal();
  port.on('message', (message: ToWorker) => {
    if (message.type === 'taken') {
      taken++;
      takenSignal.fire();
      return;
    }
    chunks.push(message);
    inbox.fire();
  });
  async function* input(): AsyncGenerator<Buffer> {
    for (;;) {
      const message = chunks.shift();
      if (!message) {
        inbox = signal();
        await inbox.wait;
        continue;
      }
      if (message.type === 'end') return;
      if (message.type === 'fail') throw new Error('the input failed');
      if (message.type !== 'chunk') continue;
      port?.postMessage({ type: 'read' } satisfies FromWorker);
      yield Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
    }
  }
  const source = checkedRows<unknown>({
    ...job,
    input: Readable.from(input(), { objectMode: false }),
    onMapping: (lines, mapping) => port.postMessage({ type: 'mapping', lines, mapping } satisfies FromWorker),
  });
  let sent = 0;
  let batch: CheckedRow<unknown>[] = [];
  const send = async () => {
    while (sent - taken >= ROWS_AHEAD) {
      takenSignal = signal();
      await takenSignal.wait;
    }
    port.postMessage({ type: 'rows', rows: JSON.stringify(batch) } satisfies FromWorker);
    sent++;
    batch = [];
  };
  try {
    for await (const row of source.rows) {
      batch.push(row);
      if (batch.length >= ROWS_PER_MESSAGE) await send();
    }
    if (batch.length > 0) await send();
    port.postMessage({ type: 'done', zoned: source.zoned() } satisfies FromWorker);
  } catch (error) {
    const app = error instanceof AppError ? error : undefined;
    port.postMessage({
      type: 'error',
      code: app?.code,
      message: error instanceof Error ? error.message : String(error),
      details: app ? [...app.details] : undefined,
    } satisfies FromWorker);
  }
}

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === KIND) {
  void work((workerData as { job: Job }).job);
}
