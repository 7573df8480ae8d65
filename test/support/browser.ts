/**
 * Browser tests: the distribution's Chromium driven by playwright-core, one browser per test
 * file. Without Chromium the tests are skipped with a notice (`.ci/run` installs it).
 *
 *   const browser = useBrowser();
 *   describe.skipIf(!browserAvailable)('…', () => {
 *     it('…', async () => {
 *       const view = await browser.open(url, 'phone');
 *       expect(view.problems).toEqual([]);
 *     });
 *   });
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.RAPPORT_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const browserAvailable = existsSync(CHROMIUM);
if (!browserAvailable) {
  console.warn(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
export type Viewport = keyof typeof VIEWPORTS;

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

export interface View {
  page: Page;
  /** Console errors, uncaught page errors, failed requests and 4xx/5xx answers, as they happen. */
  problems: string[];
}

export interface TestBrowser {
  /** A fresh page (its own context: no shared cookies) at `viewport`'s size, loaded from `url`. */
  open(url: string, viewport?: Viewport): Promise<View>;
}

/** Starts Chromium before the file's tests and closes it (and every page) after. */
export function useBrowser(): TestBrowser {
  let browser: Browser | null = null;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    if (!browserAvailable) return;
    // Chromium refuses to run as root with its sandbox on.
    const root = process.getuid?.() === 0;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: root ? ['--no-sandbox'] : [] });
  });
  afterAll(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await browser?.close();
  });
  return {
    async open(url, viewport = 'desktop') {
      if (!browser) throw new Error(`no browser: guard the test with browserAvailable (${CHROMIUM})`);
      const context = await browser.newContext({ viewport: VIEWPORTS[viewport] });
      contexts.push(context);
      const page = await context.newPage();
      const problems = watchProblems(page);
      await page.goto(url, { waitUntil: 'load' });
      return { page, problems };
    },
  };
}

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? 'unknown';
    // A frame given a new address before the last one loaded (the editor's preview, replaced
    // by a newer draft) cancels the old load; that is the page working, not a fault.
    const superseded =
      reason === 'net::ERR_ABORTED' && request.isNavigationRequest() && request.frame() !== page.mainFrame();
    if (!superseded) problems.push(`request failed: ${request.url()} (${reason})`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return problems;
}

/** Saves the whole page as docs/screenshots/NAME.png (for the README), or in `dir`; returns the path. */
export async function screenshot(page: Page, name: string, dir: string = SCREENSHOTS): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
