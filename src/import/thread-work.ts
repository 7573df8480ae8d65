/**
 * The import thread's side (thread.ts): the import, with its mapping and progress posted as they
 * come, then its report or its error. `rapport import` opens its runtime here (configuration,
 * migrated database, as any writing command does), so the command's own thread loads neither.
 */
import { createReadStream } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/connect.js';
import { createLogger } from '../log.js';
import { openRuntime } from '../runtime.js';
import { importStore } from './db-store.js';
import { importInto } from './file.js';
import { runImport } from './run.js';
import { failureOf, type Job, type Reply, THREAD_KIND } from './thread.js';

type Port = NonNullable<typeof parentPort>;

async function importJob(job: Job, port: Port) {
  const input = createReadStream(job.path);
  const onMapping = (lines: string[], mapping: unknown) => port.postMessage({ mapping: { lines, mapping } });
  const onProgress = (read: number) => port.postMessage({ progress: read } satisfies Reply);
  if ('url' in job) {
    const db = openDatabase(job.url);
    try {
      return await runImport({ ...job.options, input, store: importStore(db), onMapping, onProgress });
    } finally {
      await db.close();
    }
  }
  const { configFile, env, logLevel } = job.runtime;
  const rt = await openRuntime({ configFile, env, log: createLogger(logLevel) });
  try {
    return await importInto(rt.db, rt.config, {
      ...job.options,
      now: rt.now(),
      input,
      onMapping,
      onProgress,
    });
  } finally {
    await rt.close();
  }
}

async function work(job: Job, port: Port): Promise<void> {
  try {
    port.postMessage({ report: await importJob(job, port) } satisfies Reply);
  } catch (error) {
    port.postMessage({ error: failureOf(error) } satisfies Reply);
  }
}

const job = workerData as Partial<Job> | null;
if (!isMainThread && parentPort && job?.kind === THREAD_KIND) void work(job as Job, parentPort);
