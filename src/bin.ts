#!/usr/bin/env node
/** The `rapport` executable. */
import { main } from './cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rapport: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
