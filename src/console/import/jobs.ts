/**
 * Checks and imports run in the background of this worker, so a page never waits minutes for
 * a large file: the request that starts one waits a few seconds, then the status page shows the
 * rows read so far and refreshes itself until the work is done.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ImportReport } from '../../import/run.js';
import type { Checked, Stopped } from './run.js';
import { UPLOAD_TTL_MS, type UploadKind } from './uploads.js';

export type Phase = 'check' | 'import';

export interface Job {
  phase: Phase;
  /** The upload's settings version the work was started with. */
  version: number;
  staffId: number;
  startedAt: number;
  /** The upload's file name and kind, for the pages shown after the file is gone. */
  name: string;
  kind: UploadKind;
  /** Rows read so far. */
  read: number;
  /** Rows in the file, when a check has counted them. */
  total?: number;
  done: boolean;
  checked?: Checked;
  report?: ImportReport;
  stopped?: Stopped;
  /** Settles when the work ends (it never rejects). */
  finished: Promise<void>;
}

type Outcome = { checked?: Checked; report?: ImportReport; stopped?: Stopped };

export class ImportJobs {
  private readonly jobs = new Map<string, Job>();

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** Starts `work` for upload `id`, replacing a finished job (an unfinished one is returned as it is). */
  start(
    id: string,
    init: Pick<Job, 'phase' | 'version' | 'staffId' | 'startedAt' | 'total' | 'name' | 'kind'>,
    work: (progress: (read: number) => void) => Promise<Outcome>,
    onError: (error: unknown) => void,
  ): Job {
    const running = this.jobs.get(id);
    if (running && !running.done) return running;
    const job: Job = { ...init, read: 0, done: false, finished: Promise.resolve() };
    job.finished = work((read) => {
      job.read = read;
    })
      .then((outcome) => {
        Object.assign(job, outcome);
      })
      .catch((error: unknown) => {
        job.stopped = {
          message: 'the work stopped on an unexpected error; see the daemon log and try again',
        };
        onError(error);
      })
      .finally(() => {
        job.done = true;
      });
    this.jobs.set(id, job);
    return job;
  }

  forget(id: string): void {
    const job = this.jobs.get(id);
    if (job?.done !== false) this.jobs.delete(id);
  }

  /** Uploads with work still running (their files must stay). */
  busy(): Set<string> {
    return new Set([...this.jobs].filter(([, job]) => !job.done).map(([id]) => id));
  }

  /** Forgets finished work older than an upload may live. */
  sweep(now: number): void {
    for (const [id, job] of this.jobs) {
      if (job.done && now - job.startedAt > UPLOAD_TTL_MS) this.jobs.delete(id);
    }
  }
}

/** Waits for the job up to `ms`, so small files need no status page. */
export async function settleWithin(job: Job, ms: number): Promise<void> {
  const timer = new AbortController();
  await Promise.race([job.finished, delay(ms, undefined, { signal: timer.signal }).catch(() => undefined)]);
  timer.abort();
}
