/** Entry point of `npm run demo` (see demo.ts). The only place the demo reads the environment. */
import { AppError, describeError } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { runDemo } from './demo.js';

const env = process.env;

runDemo({ env, now: Date.now(), log: createLogger(env.RAPPORT_LOG_LEVEL ?? 'warn') }).then(
  (result) => {
    process.stdout.write(`${result.summary}\n`);
  },
  (error: unknown) => {
    const details = error instanceof AppError ? error.details.map((d) => `\n  ${d}`).join('') : '';
    process.stderr.write(`demo: ${describeError(error)}${details}\n`);
    process.exitCode = 1;
  },
);
