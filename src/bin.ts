#!/usr/bin/env node
/** The `rapport` executable. */
import { main } from './cli.js';
import { describeError } from './errors.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rapport: ${describeError(error)}\n`);
    process.exitCode = 1;
  },
);
