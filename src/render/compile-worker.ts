/**
 * Checking and compiling templates off the main thread, for the running daemon: parsing,
 * checking and compiling an edited template can take long (a big file, a deep nesting), and on
 * the event loop that would hold up sending, the HTTP server and the books. Here it runs in a
 * worker thread with a memory cap and a time limit; past either, the worker is stopped and the
 * edit is refused while the last good versions stay in use.
 *
 * The worker returns the problems (the same checkSources as `rapport check`) and, for each file,
 * Handlebars' precompiled code; the main thread only turns that code into functions
 * (`specFunction`), which costs about as much as loading a small script.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Handlebars from 'handlebars';
import { checkSources, type CheckOptions, type Problem } from './check.js';
import type { SourceFile, TemplateSources } from './load.js';
import { runInThisContext } from 'node:vm';
import { scalarText } from '../text.js';
import { workerScript } from '../worker-script.js';

export interface CompileLimits {
  /** Wall-clock time for the whole check, in milliseconds. */
  timeoutMs: number;
  /** V8 old-generation heap of the worker, in MB. */
  maxOldGenerationSizeMb: number;
}

/**
 * The most code one file may compile to. Compiling happens here, but turning the code into a
 * function and its first run happen on the main thread, at about a millisecond per 4 KB of code
 * on a busy 2-core machine: past this, an edit would hold up the event loop for long.
 */
export const MAX_COMPILED_BYTES = 256 * 1024;

export const DEFAULT_LIMITS: CompileLimits = { timeoutMs: 30_000, maxOldGenerationSizeMb: 256 };

/** Precompiled code by specKey(file, plainText). */
export type Specs = Map<string, string>;

export type CompileResult = { ok: true; problems: Problem[]; specs: Specs } | { ok: false; reason: string };

const KIND = 'rapport-template-check';

interface Job {
  kind: typeof KIND;
  sources: TemplateSources;
  options: CheckOptions;
}

/** Plain text (subject, text, their partials) is compiled without html escaping. */
export function specKey(file: SourceFile, plainText: boolean): string {
  return `${file.hash}:${plainText ? 'plain' : 'html'}`;
}

/** Turns precompiled code from the worker back into a template spec for `hb.template`. */
export function specFunction(spec: string): TemplateSpecification {
  // The code is Handlebars' own compiler output for our files, made in our worker: not input.
  const evaluated: unknown = runInThisContext(`(${spec})`);
  return evaluated as TemplateSpecification;
}

/** Checks and compiles `sources` in a worker thread, within `limits`. Never throws. */
export function compileOffThread(
  sources: TemplateSources,
  options: CheckOptions,
  limits: CompileLimits = DEFAULT_LIMITS,
): Promise<CompileResult> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      const { script, eval: isEval } = workerScript(import.meta.url);
      worker = new Worker(script, {
        eval: isEval,
        workerData: { kind: KIND, sources, options } satisfies Job,
        resourceLimits: { maxOldGenerationSizeMb: limits.maxOldGenerationSizeMb, stackSizeMb: 4 },
      });
    } catch (error) {
      resolve({ ok: false, reason: `could not start the template checker: ${String(error)}` });
      return;
    }
    let settled = false;
    const finish = (result: CompileResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ ok: false, reason: `checking took longer than ${limits.timeoutMs} ms` }),
      limits.timeoutMs,
    );
    worker.once('message', (result: CompileResult) => finish(result));
    worker.once('error', (error: Error & { code?: string }) =>
      finish({
        ok: false,
        reason:
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `checking needed more than ${limits.maxOldGenerationSizeMb} MB of memory`
            : `the template checker failed: ${error.message}`,
      }),
    );
    worker.once('exit', (code) =>
      finish({ ok: false, reason: `the template checker stopped (exit ${code})` }),
    );
  });
}

/** What the worker does: the problems, and precompiled code for every file in each way it is used. */
export function compileSources(sources: TemplateSources, options: CheckOptions): CompileResult {
  const problems = checkSources(sources, options);
  const specs: Specs = new Map();
  const tooLarge = new Set<string>();
  const add = (file: SourceFile | undefined, plainText: boolean) => {
    if (!file || specs.has(specKey(file, plainText)) || tooLarge.has(file.label)) return;
    let spec: string;
    try {
      // Typed as a spec object; what it returns is the spec's source code.
      const code: unknown = Handlebars.precompile(file.source, { noEscape: plainText });
      spec = scalarText(code);
    } catch {
      return; // A syntax error: checkSources reported it at its line.
    }
    if (spec.length > MAX_COMPILED_BYTES) {
      tooLarge.add(file.label);
      const kb = (n: number) => `${Math.ceil(n / 1024)} KB`;
      problems.push({
        file: file.label,
        line: 0,
        message: `compiles to ${kb(spec.length)} of code, more than the ${kb(MAX_COMPILED_BYTES)} a template may; make it smaller`,
      });
    } else specs.set(specKey(file, plainText), spec);
  };
  for (const file of sources.partials.values()) {
    add(file, true);
    add(file, false);
  }
  for (const file of sources.layouts.values()) add(file, false);
  for (const files of sources.templates.values()) {
    add(files.subject, true);
    add(files.html, false);
    add(files.text, true);
  }
  return { ok: true, problems, specs };
}

if (!isMainThread && (workerData as Partial<Job> | null)?.kind === KIND) {
  const job = workerData as Job;
  parentPort?.postMessage(compileSources(job.sources, job.options));
}
