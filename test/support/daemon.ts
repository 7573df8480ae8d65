/**
 * `rapport start` as a real child process, for tests that kill it.
 *
 * It runs as `node --import tsx src/bin.ts start`: one process, so `kill -9` hits the daemon
 * itself. (The `tsx` wrapper binary is a second process: SIGKILL on it leaves the daemon
 * running as an orphan, and it force-kills its child when a relayed SIGTERM is not
 * acknowledged within 30 ms, which turns a graceful stop under load into exit 143.)
 * Every daemon spawned here is SIGKILLed when the test process exits, so none is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from './runtime.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  /** The HTTP base URL from the banner, once the daemon is up (rejects if it exits first). */
  readonly ready: Promise<string>;
  readonly exited: Promise<Exit>;
  /** What it wrote to stderr (JSON log lines and messages), kept up to the last 2 MB. */
  stderr(): string;
  running(): boolean;
  /** Sends the signal to the daemon process; no-op once it exited. */
  signal(signal: NodeJS.Signals): void;
}

/** tsx's ESM loader, for `node --import`. */
export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const live = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function spawnDaemon(name: string, env: Record<string, string>, cwd: string): Daemon {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, join(REPO, 'src/bin.ts'), 'start'], {
    cwd,
    env: { ...process.env, RAPPORT_HTTP: '127.0.0.1:0', RAPPORT_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let err = '';
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /http\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    void exited.then((e) =>
      reject(new Error(`${name} exited (${e.code ?? e.signal}) before it was up:\n${err.slice(-2000)}`)),
    );
  });
  ready.catch(() => {}); // observed by whoever awaits it; a daemon killed early is not an error here
  child.stderr?.on('data', (chunk: Buffer) => {
    err = (err + chunk.toString('utf8')).slice(-2_000_000);
  });
  return {
    name,
    pid: child.pid ?? -1,
    ready,
    exited,
    stderr: () => err,
    running: () => child.exitCode === null && child.signalCode === null,
    signal(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Stops every daemon still running (SIGKILL) and waits for them to exit. */
export async function killAll(daemons: readonly Daemon[]): Promise<void> {
  for (const d of daemons) d.signal('SIGKILL');
  await Promise.all(daemons.map((d) => d.exited));
}

/** Runs one `rapport` command to completion (e.g. an import beside running daemons). */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<Exit & { stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, join(REPO, 'src/bin.ts'), ...args], {
      cwd,
      env: { ...process.env, RAPPORT_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    live.add(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, stderr });
    });
  });
}
