/**
 * The console's built files: `node .config/build-client.mjs` bundles the client into hashed
 * files, the server hands them out with long-lived caching, and a real browser loads them under
 * the console's Content-Security-Policy without a single error, at desktop and phone widths.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import type { FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import {
  CONSOLE_ASSETS_PREFIX,
  consoleAssetsPlugin,
  loadConsoleAssets,
  type ConsoleAssets,
} from '../../src/http/console-assets.js';
import { silentLogger } from '../../src/log.js';
import { browserAvailable, screenshot, useBrowser } from '../support/browser.js';

const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** A console-like page: the shell's markup, a wide table, and a form that asks before erasing. */
function samplePage(assets: ConsoleAssets): FastifyPluginAsync {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customers</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${assets.url('console.css')}">
<script type="module" src="${assets.url('console.js')}"></script></head>
<body class="console"><a class="skip-link" href="#main">Skip to content</a>
<nav class="console-nav" aria-label="Console"><a class="console-brand" href="/console/">Rapport</a>
<ul><li><a href="/console/" aria-current="page">Dashboard</a></li><li><a href="/console/customers">Customers</a></li></ul></nav>
<main id="main" class="console-main"><h1>Customers</h1>
<div class="table-scroll"><table><thead><tr>${'<th>Column</th>'.repeat(12)}</tr></thead>
<tbody><tr>${'<td>ada@example.com</td>'.repeat(12)}</tr></tbody></table></div>
<form method="post" action="/console/erase" data-confirm="Erase everything about Ada?">
<button type="submit">Erase</button></form></main></body></html>`;
  return async (app) => {
    const send = (body: string) => (_request: unknown, reply: import('fastify').FastifyReply) =>
      reply.header('Content-Security-Policy', CONSOLE_CSP).type('text/html; charset=utf-8').send(body);
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) =>
      done(null, body),
    );
    app.get('/', send(html));
    app.post(
      '/erase',
      send('<!doctype html><title>Erased</title><link rel="icon" href="data:,"><p id="done">Erased</p>'),
    );
  };
}

let dir: string;
let assets: ConsoleAssets;
let server: HttpServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-console-'));
  await promisify(execFile)(process.execPath, ['.config/build-client.mjs', '--outdir', dir]);
  assets = loadConsoleAssets(silentLogger, dir);
  server = await startHttpServer(
    '127.0.0.1:0',
    {
      routes: [],
      plugins: [
        { prefix: CONSOLE_ASSETS_PREFIX, plugin: consoleAssetsPlugin(assets) },
        { prefix: '/console', plugin: samplePage(assets) },
      ],
    },
    silentLogger,
  );
}, 60_000);

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('console assets over HTTP', () => {
  it('names each entry with a content hash in the manifest', () => {
    expect(assets.url('console.js')).toMatch(/^\/console\/assets\/console-[A-Z0-9]{8}\.js$/);
    expect(assets.url('console.css')).toMatch(/^\/console\/assets\/console-[A-Z0-9]{8}\.css$/);
  });

  it('serves them for a year, immutable, with nosniff and an ETag', async () => {
    const res = await fetch(server.url + assets.url('console.js'), {
      headers: { 'Accept-Encoding': 'identity' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^(text|application)\/javascript; charset=utf-8$/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    expect(await res.text()).toContain('data-autosubmit');
    // Not fetch: it adds Cache-Control: no-cache to a conditional request, which forbids a 304.
    const again = await new Promise<number>((resolve, reject) =>
      get(server.url + assets.url('console.js'), { headers: { 'If-None-Match': etag as string } }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      }).on('error', reject),
    );
    expect(again).toBe(304);
  });

  it('sends the gzipped copy to a client that accepts only gzip', async () => {
    const url = server.url + assets.url('console.css');
    const res = await fetch(url, {
      headers: { 'Accept-Encoding': 'gzip' },
      decompress: false,
    } as RequestInit);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const plain = await readFile(
      join(dir, 'assets', assets.url('console.css').split('/').pop() as string),
      'utf8',
    );
    // fetch in node decodes gzip itself; either way the bytes are the stylesheet's.
    const body = Buffer.from(await res.arrayBuffer());
    const text = body[0] === 0x1f ? gunzipSync(body).toString('utf8') : body.toString('utf8');
    expect(text).toBe(plain);
  });

  it('answers a missing asset with a plain 404, not a page', async () => {
    const res = await fetch(`${server.url}/console/assets/nothing-ABCDEFGH.js`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

const browser = useBrowser();

describe.skipIf(!browserAvailable)('console assets in a browser', () => {
  it('load under the console CSP with no errors, as a column nav on desktop and a top bar on a phone', async () => {
    for (const [viewport, layout] of [
      ['desktop', 'grid'],
      ['phone', 'block'],
    ] as const) {
      const { page, problems } = await browser.open(`${server.url}/console/`, viewport);
      await page.waitForFunction("document.querySelector('main h1') !== null");
      // (Strings: the test code has no DOM types.)
      expect(await page.evaluate('getComputedStyle(document.body).display')).toBe(layout);
      // The table scrolls inside its wrapper instead of widening the page.
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
      expect(problems).toEqual([]);
    }
  });

  it('asks before a data-confirm form is sent, and sends it only when confirmed', async () => {
    const { page, problems } = await browser.open(`${server.url}/console/`);
    await page.getByRole('button', { name: 'Erase' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase everything about Ada?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(new URL(page.url()).pathname).toBe('/console/');
    await page.getByRole('button', { name: 'Erase' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Erase' }).click();
    await page.locator('#done').waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/erase');
    expect(problems).toEqual([]);
  });

  it('takes a full-page screenshot', async () => {
    const { page } = await browser.open(`${server.url}/console/`, 'phone');
    const file = await screenshot(page, 'console-sample', dir);
    expect((await readFile(file)).subarray(1, 4).toString()).toBe('PNG');
  });
});
