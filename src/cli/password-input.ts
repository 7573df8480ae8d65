/** Reading a password for a command: from standard input, or typed twice on a terminal without echo. */
import { AppError } from '../errors.js';
import type { Io } from './io.js';

/** The first line of standard input (for `--password-stdin`), without its line ending. */
export async function passwordFromStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('\n') || text.length > 4096) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') throw new AppError('E_USAGE', '--password-stdin: standard input held no password');
  return line;
}

export function isTerminal(stdin: NodeJS.ReadableStream): boolean {
  return Reflect.get(stdin, 'isTTY') === true;
}

/** One line typed on the terminal, not echoed. Ctrl-C cancels. */
function promptHidden(io: Io, question: string): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  io.err(question.endsWith('\n') ? question : `${question}\n`);
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const c of chunk.toString('utf8')) {
        if (c === '\r' || c === '\n') return done(null);
        if (c === '\u0003') return done(new AppError('E_USAGE', 'cancelled'));
        if (c === '\u007f' || c === '\b') typed = typed.slice(0, -1);
        else typed += c;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

export async function promptNewPassword(io: Io, email: string): Promise<string> {
  const first = await promptHidden(io, `New password for ${email} (not shown):`);
  const second = await promptHidden(io, 'Again:');
  if (first !== second) throw new AppError('E_USAGE', 'the two passwords differ; nothing was changed');
  return first;
}
