/** The CLI in this process, with its output captured: `rapport ARGV` as a test sees it. */
import { Readable } from 'node:stream';
import { main } from '../../src/cli.js';
import type { Io } from '../../src/cli/io.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function cli(env: Record<string, string>, ...argv: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => void (out += t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => void (err += t.endsWith('\n') ? t : `${t}\n`),
    env,
    stdin: process.stdin,
  };
  const code = await main(argv, io);
  return { code, out, err };
}

/** `rapport ARGV` reading `stdin` (a string, or a stream such as a fake terminal). */
export async function cliWithInput(
  env: Record<string, string>,
  stdin: string | NodeJS.ReadableStream,
  ...argv: string[]
): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => void (out += t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => void (err += t.endsWith('\n') ? t : `${t}\n`),
    env,
    stdin: typeof stdin === 'string' ? Readable.from([stdin]) : stdin,
  };
  const code = await main(argv, io);
  return { code, out, err };
}
