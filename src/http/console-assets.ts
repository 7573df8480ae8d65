/**
 * The console's built browser files (`npm run build` bundles src/console/client/ into
 * dist/console/): served under /console/assets/ with a content hash in every name, so browsers
 * keep them for a year and a new build is new URLs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Logger } from '../log.js';
import { errorMessage } from '../errors.js';

/** The same folder whether this runs from src/http (tests) or dist/http (the built daemon). */
const CONSOLE_BUILD_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

export const CONSOLE_ASSETS_PREFIX = '/console/assets';

export interface ConsoleAssets {
  /** Folder holding the built files. */
  dir: string;
  /** URL path of an entry's built file: `url('console.css')` -> `/console/assets/console-3FA2B1.css`. */
  url(name: string): string;
}

/**
 * Reads the build's manifest once. Without one (the client was not built) pages still render,
 * unstyled and without their scripts, and this says so once.
 */
export function loadConsoleAssets(log: Logger, buildDir: string = CONSOLE_BUILD_DIR): ConsoleAssets {
  let files: Record<string, string> = {};
  try {
    files = JSON.parse(readFileSync(`${buildDir}/manifest.json`, 'utf8')) as Record<string, string>;
  } catch (error) {
    log.warn(
      { event: 'console.assets_missing', dir: buildDir, error: errorMessage(error) },
      'the console pages have no styles or scripts: run npm run build',
    );
  }
  return {
    dir: `${buildDir}/assets`,
    url: (name) => `${CONSOLE_ASSETS_PREFIX}/${files[name] ?? name}`,
  };
}

let shared: Record<string, string> | undefined;

/**
 * The URL of a built entry for page markup, from the build's manifest (read once per process:
 * the build is what it is until the daemon restarts). Without a build, the plain name.
 */
export function assetUrl(name: string): string {
  if (shared === undefined) {
    try {
      shared = JSON.parse(readFileSync(`${CONSOLE_BUILD_DIR}/manifest.json`, 'utf8')) as Record<
        string,
        string
      >;
    } catch {
      shared = {};
    }
  }
  return `${CONSOLE_ASSETS_PREFIX}/${shared[name] ?? name}`;
}

/** Serves `assets.dir`; register it under CONSOLE_ASSETS_PREFIX. */
export function consoleAssetsPlugin(assets: ConsoleAssets): FastifyPluginAsync {
  return async (app) => {
    // A missing file is a plain 404, not the console's page: the asker is a <script> or <link>.
    app.setNotFoundHandler((_request, reply) =>
      reply
        .code(404)
        .header('X-Content-Type-Options', 'nosniff')
        .header('Cache-Control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send('not found\n'),
    );
    await app.register(fastifyStatic, {
      root: assets.dir,
      prefix: '/',
      // Hashed names: a file's content never changes under its URL.
      immutable: true,
      maxAge: '365d',
      preCompressed: true,
      index: false,
      list: false,
      redirect: false,
      dotfiles: 'deny',
      decorateReply: false,
      setHeaders: (reply) => {
        reply.header('X-Content-Type-Options', 'nosniff');
        reply.header('Cross-Origin-Resource-Policy', 'same-origin');
      },
    });
  };
}
