/**
 * The template engine: renders a named template with TemplateData into subject, html and text,
 * and keeps serving the last good version of anything that a later edit broke.
 */
import path from 'node:path';
import { AppError, describeError } from '../errors.js';
import {
  checkSources,
  formatProblem,
  type AutomationTemplate,
  type CheckOptions,
  type Problem,
} from './check.js';
import type { TemplateData } from './data.js';
import { DEFAULT_LAYOUT, readTemplateSources } from './load.js';
import { Registry, type TemplateLogger } from './registry.js';
import type { AppEvents } from '../events.js';
import { templateEventsLoggedTo } from '../log-events.js';
import { htmlToText, oneLine } from './text.js';
import { watchFolder, type FolderWatch } from './watch.js';
import { compileOffThread, DEFAULT_LIMITS, type CompileLimits } from './compile-worker.js';

export type { TemplateLogger };

export interface RenderedEmail {
  /** One line: no CR, LF or tab, whatever the data held. */
  subject: string;
  html: string;
  text: string;
}

export interface TemplateEngineOptions {
  /** The templates folder. */
  dir: string;
  /** Where the folder's loads and the engine's own trouble are logged. */
  logger?: TemplateLogger;
  /**
   * Where each template brought in or refused is reported; by default, an emitter written to
   * `logger` (an app passes its own, whose log listens).
   */
  events?: AppEvents;
  /** The configured automations: enables the marketing-footer rule on load and reload. */
  automations?: readonly AutomationTemplate[];
  /** Quiet time after the last file event before reloading; default 100 ms. */
  watchDelayMs?: number;
  /** Bounds of an edit's check and compile in the worker thread (compile-worker.ts). */
  limits?: CompileLimits;
}

export interface ReloadResult {
  /** What was swapped in, e.g. `template:birthday`, `partial:footer`. */
  updated: string[];
  /** Why the other edits were not taken (their last good version, if any, stays in use). */
  problems: Problem[];
}

export interface TemplateEngine {
  render(name: string, data: TemplateData): RenderedEmail;
  /** True when `name` can be rendered (it has a good version). */
  has(name: string): boolean;
  /** Renderable template names, sorted. */
  names(): string[];
  /** The files on disk as they are now; defaults to the automations given at creation. */
  check(options?: CheckOptions): Problem[];
  /** Re-reads the folder and swaps in every changed file that passes. Never throws. */
  reload(): ReloadResult;
  /**
   * The same, with the check and compile in a worker thread within `limits`, so that no edit
   * holds up the event loop; what watch() runs. One at a time: a call while one runs waits for it.
   */
  reloadOffThread(): Promise<ReloadResult>;
  /** Reloads after edits (fs.watch, debounced) off the main thread. Idempotent. */
  watch(): void;
  close(): void;
}

export function createTemplateEngine(options: TemplateEngineOptions): TemplateEngine {
  const dir = path.resolve(options.dir);
  const { logger } = options;
  const events = options.events ?? (logger ? templateEventsLoggedTo(logger) : undefined);
  const registry = new Registry(events);
  const defaultCheck: CheckOptions = options.automations ? { automations: options.automations } : {};
  const reload = (initial: boolean) => load(registry, dir, defaultCheck, events, initial);
  let watching: FolderWatch | undefined;
  // One reload at a time; calls while one waits to start share it (a burst of edits, one reload).
  const none: ReloadResult = { updated: [], problems: [] };
  let tail: Promise<ReloadResult> = Promise.resolve(none);
  let queued: Promise<ReloadResult> | null = null;
  const reloadOffThread = () => {
    queued ??= tail
      .catch(() => none)
      .then(() => {
        queued = null;
        return loadOffThread(registry, dir, defaultCheck, events, options.limits ?? DEFAULT_LIMITS);
      });
    tail = queued;
    return queued;
  };

  const first = reload(true);
  const templates = [...registry.templates.keys()].sort();
  logger?.info(
    { event: 'templates.loaded', dir, templates, problems: first.problems.length },
    'templates loaded',
  );

  return {
    render: (name, data) => render(registry, name, data, options.dir),
    has: (name) => registry.templates.has(name),
    names: () => [...registry.templates.keys()].sort(),
    check: (checkOptions) => checkSources(readTemplateSources(dir), checkOptions ?? defaultCheck),
    reload: () => reload(false),
    reloadOffThread,
    watch() {
      const failed = (error: unknown) =>
        logger?.warn({ event: 'template.watch_failed', err: describeError(error) }, 'not watching templates');
      watching ??= watchFolder(dir, () => void reloadOffThread(), failed, options.watchDelayMs);
    },
    close() {
      watching?.close();
      watching = undefined;
    },
  };
}

function load(
  registry: Registry,
  dir: string,
  check: CheckOptions,
  events: AppEvents | undefined,
  initial: boolean,
): ReloadResult {
  try {
    const sources = readTemplateSources(dir);
    return registry.apply(sources, checkSources(sources, check), initial);
  } catch (error) {
    // A file vanished mid-read (an editor's rename); the next event reloads again.
    return notReloaded(events, dir, `could not be read: ${describeError(error)}`);
  }
}

async function loadOffThread(
  registry: Registry,
  dir: string,
  check: CheckOptions,
  events: AppEvents | undefined,
  limits: CompileLimits,
): Promise<ReloadResult> {
  let sources: ReturnType<typeof readTemplateSources>;
  try {
    sources = readTemplateSources(dir);
  } catch (error) {
    return notReloaded(events, dir, `could not be read: ${describeError(error)}`);
  }
  const compiled = await compileOffThread(sources, check, limits);
  if (!compiled.ok)
    return notReloaded(events, sources.root, `${compiled.reason}; the last good versions stay in use`);
  return registry.apply(sources, compiled.problems, false, compiled.specs);
}

/** Nothing was swapped in: said once for the whole folder. */
function notReloaded(events: AppEvents | undefined, file: string, message: string): ReloadResult {
  const problem = { file, line: 0, message };
  events?.emit('template:invalid', {
    template: null,
    keptPrevious: true,
    problems: [formatProblem(problem)],
  });
  return { updated: [], problems: [problem] };
}

export function render(registry: Registry, name: string, data: TemplateData, dir: string): RenderedEmail {
  const template = registry.templates.get(name);
  if (template === undefined) {
    if (registry.onDisk.has(name)) {
      throw new AppError(
        'E_TEMPLATE_INVALID',
        `template "${name}" has problems and no earlier good version; run "rapport check" to see them`,
      );
    }
    const folder = path.join(dir, name);
    throw new AppError(
      'E_TEMPLATE_MISSING',
      `template "${name}" does not exist: create the folder ${folder}/ with subject.hbs and html.hbs`,
    );
  }
  const layout = registry.layouts.get(DEFAULT_LAYOUT);
  if (layout === undefined) {
    throw new AppError(
      'E_TEMPLATE_INVALID',
      `the layout ${path.join(dir, 'layouts', `${DEFAULT_LAYOUT}.hbs`)} is missing or has problems; run "rapport check"`,
    );
  }
  try {
    const subject = oneLine(template.subject(data));
    const html = layout({ ...data, body: template.html(data), subject });
    const text = template.text ? template.text(data).trim() : htmlToText(html);
    return { subject, html, text };
  } catch (error) {
    const reason = describeError(error);
    throw new AppError(
      'E_TEMPLATE_RENDER',
      `template "${name}" (${path.join(dir, name)}/) failed to render: ${reason}; run "rapport check"`,
    );
  }
}
