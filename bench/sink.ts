/**
 * A lean SMTP sink on 127.0.0.1 for the benchmarks: accepts everything, parses nothing, counts.
 * Run it in its own process (`--role sink`) for throughput, so the sender keeps a core to itself,
 * or in-process when only the moment of receipt matters (latency).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { SMTPServer } from 'smtp-server';

export interface Receipt {
  /** Envelope recipients. */
  to: string[];
  /** performance.timeOrigin + performance.now() at the end of DATA, ms. */
  at: number;
}

export interface Sink {
  url: string;
  count(): Promise<number>;
  close(): Promise<void>;
}

export const wallNow = (): number => performance.timeOrigin + performance.now();

export async function startSink(
  onMessage?: (receipt: Receipt) => void,
): Promise<Sink & { received: number }> {
  const state = { received: 0 };
  const server = new SMTPServer({
    disableReverseLookup: true,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 50 * 1024 * 1024,
    onData(stream, session, callback) {
      stream.on('data', () => {});
      stream.once('end', () => {
        state.received++;
        onMessage?.({ to: session.envelope.rcptTo.map((r) => r.address), at: wallNow() });
        callback();
      });
    },
  });
  server.on('error', () => {});
  const port = await new Promise<number>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    get received() {
      return state.received;
    },
    count: async () => state.received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `--role sink`: a sink in this process, driven by the parent over IPC. */
export async function runSinkProcess(): Promise<void> {
  const sink = await startSink();
  process.on('message', (m: { type: string }) => {
    if (m.type === 'count') process.send?.({ type: 'count', n: sink.received });
    if (m.type === 'close') void sink.close().then(() => process.exit(0));
  });
  // The parent went away (crashed, killed): so does the sink.
  process.once('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', url: sink.url });
}

/** A sink in a child process of ours; the child is reaped on close. */
export async function startSinkProcess(script: string): Promise<Sink> {
  // No inherited node flags: a profiled measure must not profile (and slow) its sink too.
  const child: ChildProcess = fork(script, ['--role', 'sink'], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: [],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sink exited early (${code})`)));
    child.on('message', (m: { type: string; url?: string }) => {
      if (m.type === 'ready') resolve(m.url as string);
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    count: () =>
      new Promise<number>((resolve) => {
        const onMessage = (m: { type: string; n?: number }) => {
          if (m.type !== 'count') return;
          child.off('message', onMessage);
          resolve(m.n as number);
        };
        child.on('message', onMessage);
        child.send({ type: 'count' });
      }),
    close: async () => {
      if (child.exitCode === null) child.send({ type: 'close' });
      await exited;
    },
  };
}
