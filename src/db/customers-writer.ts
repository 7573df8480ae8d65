/**
 * An import's customer batches written from a thread of its own, on a SQLite connection of its
 * own, so that on a machine with a second core the next rows are read and checked while the
 * previous ones are merged and written. Each batch is what mergeCustomerBatch does through the
 * pool (the same reads, the same merge, the same upserts; customers-bulk.ts), inside a
 * transaction of the writer's connection; its result comes back once that transaction has
 * committed. Batches that are already waiting when one is done join its transaction, up to
 * COMMIT_ROWS rows: a commit writes every page the transaction touched, and the indexes of
 * 5,000 new customers share many more pages than those of 1,000, so when the writes are what
 * the import waits for, fewer commits make them cheaper. When the reading is slower, each batch
 * commits on its own, as soon as it arrives.
 *
 * Only the batches cross between the threads (as JSON text: much cheaper than a structured clone
 * of the objects) and only the counts and the stored records at the batch's addresses come back.
 */
import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
  workerData,
} from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { CustomerPatch } from '../domain.js';
import type { CustomerBatchWriter, WrittenCustomers } from '../import/types.js';
import { mergeBatchOnConnection } from './customers-bulk.js';
import { connectionSettings, importSettings } from './sqlite-settings.js';
import { workerScript } from '../worker-script.js';

const KIND = 'rapport-customer-writer';

/** At most this many rows in one transaction, of batches that were waiting. */
const COMMIT_ROWS = 5000;

/**
 * The writer thread's young generation, in MB. A parsed batch lives through its merge and writes:
 * at 4 MB most of it was promoted, and a million new customers took some 4 s more CPU; at 16 MB
 * or more the process held 20–40 MB more.
 */
const YOUNG_GENERATION_MB = 8;
/**
 * The writer thread's old generation, in MB: what stays alive is a batch or two and the
 * statements. Capped, V8 collects it before it grows; uncapped it held some 25 MB more.
 */
const OLD_GENERATION_MB = 48;

interface Batch {
  id: number;
  patches: string;
  keys: readonly string[];
  now: number;
}

type Request = Batch | { close: true };

interface Failure {
  message: string;
  code?: string;
}

type Reply = { ids: number[]; results: WrittenCustomers[] } | { ids: number[]; error: Failure };

interface Waiting {
  resolve: (batch: WrittenCustomers) => void;
  reject: (error: Error) => void;
}

function errorOf(failure: Failure): Error {
  const error = new Error(failure.message);
  return failure.code === undefined ? error : Object.assign(error, { code: failure.code });
}

/** Starts a writer thread on the SQLite database in `file`. */
export function startCustomerWriter(file: string): CustomerBatchWriter {
  const { port1: port, port2: theirs } = new MessageChannel();
  const { script, eval: isEval } = workerScript(import.meta.url);
  const worker = new Worker(script, {
    eval: isEval,
    workerData: { kind: KIND, file, port: theirs },
    transferList: [theirs],
    // Each batch is short-lived garbage once written; with V8's default young generation the
    // thread's heap grew by some 50 MB more on a million rows, for no gain in time.
    resourceLimits: {
      maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
      maxOldGenerationSizeMb: OLD_GENERATION_MB,
    },
  });
  const waiting = new Map<number, Waiting>();
  let next = 0;
  let failed: Error | undefined;
  let closing = false;
  const failAll = (error: Error) => {
    failed ??= error;
    for (const w of waiting.values()) w.reject(failed);
    waiting.clear();
  };
  port.on('message', (reply: Reply) => {
    reply.ids.forEach((id, i) => {
      const w = waiting.get(id);
      waiting.delete(id);
      if ('error' in reply) {
        failed ??= errorOf(reply.error);
        w?.reject(failed);
      } else w?.resolve(reply.results[i] as WrittenCustomers);
    });
  });
  worker.on('error', failAll);
  // Not events.once: it would reject on the 'error' that comes before a failed thread's exit.
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve())).then(() => {
    if (!closing || waiting.size > 0)
      failAll(
        new Error(
          'the thread writing this import stopped unexpectedly; the rows committed before it stay stored: ' +
            'import the file again to finish (set import.writer_thread: false if it happens again)',
        ),
      );
  });
  return {
    write(patches, addressKeys, now) {
      if (failed) return Promise.reject(failed);
      const id = next++;
      return new Promise<WrittenCustomers>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        const request: Request = { id, patches: JSON.stringify(patches), keys: addressKeys, now };
        port.postMessage(request);
      });
    },
    async close() {
      closing = true;
      port.postMessage({ close: true } satisfies Request);
      await exited;
      port.close();
    },
  };
}

/** The writer's side: each batch merged and written, waiting batches in the same transaction. */
function work(file: string, port: MessagePort): void {
  const db = new BetterSqlite3(file);
  // The pool's connection settings, and an import's (import-session.ts), for as long as it lives.
  connectionSettings(db);
  importSettings(db);
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const stop = () => {
    db.close();
    port.close();
  };
  // After a batch fails, the ones sent behind it are refused, not written: as with batches
  // written in turn, nothing after a failed batch is stored.
  let broken: Failure | undefined;
  port.on('message', (first: Request) => {
    if ('close' in first) return stop();
    if (broken) {
      port.postMessage({ ids: [first.id], error: broken } satisfies Reply);
      return;
    }
    const ids: number[] = [];
    const results: WrittenCustomers[] = [];
    let closeAfter = false;
    try {
      begin.run();
      let rows = 0;
      for (let batch: Batch | undefined = first; batch;) {
        ids.push(batch.id);
        const patches = JSON.parse(batch.patches) as CustomerPatch[];
        results.push(mergeBatchOnConnection(db, patches, batch.keys, batch.now));
        rows += patches.length;
        if (rows >= COMMIT_ROWS) break;
        const more = receiveMessageOnPort(port)?.message as Request | undefined;
        if (more && 'close' in more) closeAfter = true;
        batch = more && !('close' in more) ? more : undefined;
      }
      commit.run();
      port.postMessage({ ids, results } satisfies Reply);
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      const code = (error as { code?: unknown }).code;
      broken = {
        message: error instanceof Error ? error.message : String(error),
        ...(typeof code === 'string' ? { code } : {}),
      };
      port.postMessage({ ids, error: broken } satisfies Reply);
    }
    if (closeAfter) stop();
  });
}

const job = workerData as { kind?: string; file?: string; port?: MessagePort } | null;
if (!isMainThread && job?.kind === KIND && job.file !== undefined && job.port !== undefined) {
  work(job.file, job.port);
}
