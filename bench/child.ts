/**
 * Each measure runs in a child process of its own (`run.js --child NAME ...`), so one measure's
 * memory and JIT state never pollute another's, and peak RSS means that measure alone.
 * The child sends its result over IPC; standalone (no IPC) it prints it as JSON.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** dist-tools/bench/run.js: what children (measures, the sink, the load generator) run. */
export const SCRIPT = fileURLToPath(new URL('./run.js', import.meta.url));

export type ChildResult = Record<string, unknown>;

export interface ChildOptions {
  /** Extra node flags for the child, e.g. --cpu-prof. */
  execArgv?: string[];
  /** Give up after this long. */
  timeoutMs?: number;
}

export function runChild(
  name: string,
  args: Record<string, string | number>,
  o: ChildOptions = {},
): Promise<ChildResult> {
  const argv = ['--child', name, ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)])];
  // A child's stdout goes to our stderr: in --json mode stdout carries only the result.
  const child = fork(SCRIPT, argv, {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    execArgv: o.execArgv ?? [],
  });
  child.stdout?.pipe(process.stderr);
  const timeoutMs = o.timeoutMs ?? 30 * 60_000;
  return new Promise((resolve, reject) => {
    let result: ChildResult | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name}: no result after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('message', (m: { result?: ChildResult; error?: string }) => {
      if (m.error) {
        clearTimeout(timer);
        reject(new Error(`${name}: ${m.error}`));
      } else result = m.result;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`${name} exited (${signal ?? code}) without a result`));
    });
  });
}

/** In the child: report the result (or the failure) and let the process end. */
export async function reportFromChild(work: () => Promise<ChildResult>): Promise<void> {
  try {
    const result = await work();
    // Exit at once: the measure is over, and a lingering handle must not keep the child alive.
    if (process.send) process.send({ result }, () => process.exit(0));
    else {
      console.log(JSON.stringify(result));
      process.exit(0);
    }
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    if (process.send) process.send({ error: message }, () => process.exit(1));
    else console.error(message);
    process.exitCode = 1;
  }
}
