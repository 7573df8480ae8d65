/**
 * `--role loadgen`: HTTP GETs with keep-alive from a process of its own (so the server under
 * test keeps its core), as many as it can for a while; reports requests per second and statuses.
 */
import { Agent, request } from 'node:http';
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface LoadOptions {
  url: string;
  seconds: number;
  concurrency: number;
  headers: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  perSec: number;
  statuses: Record<string, number>;
  bytes: number;
}

async function generateLoad(o: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const statuses: Record<string, number> = {};
  let requests = 0;
  let bytes = 0;
  const start = performance.now();
  const end = start + o.seconds * 1000;
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(o.url, { agent, headers: o.headers }, (res) => {
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => {
          statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
          resolve();
        });
      });
      req.on('error', reject);
      req.end();
    });
  const lane = async () => {
    while (performance.now() < end) {
      await once();
      requests++;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, lane));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return { requests, perSec: requests / seconds, statuses, bytes };
}

/** `--role loadgen`: options arrive over IPC, the result goes back the same way. */
export function runLoadgenProcess(): void {
  process.once('disconnect', () => process.exit(0));
  process.once('message', (o: LoadOptions) => {
    generateLoad(o).then(
      (result) => process.send?.({ result }, () => process.exit(0)),
      (error: unknown) => process.send?.({ error: String(error) }, () => process.exit(1)),
    );
  });
}

/** Runs the load from a child process of ours. */
export function loadFromChild(script: string, o: LoadOptions): Promise<LoadResult> {
  const child = fork(script, ['--role', 'loadgen'], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: [],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { result?: LoadResult; error?: string }) =>
      m.result ? resolve(m.result) : reject(new Error(m.error)),
    );
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`load generator exited (${code})`)));
    child.send(o);
  });
}
