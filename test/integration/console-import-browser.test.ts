/**
 * The import page in a real browser: a Square customer export uploaded, its mapping and dry run
 * reviewed, then imported, at desktop width; the review at phone width; no console errors.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCustomers, getCustomer } from '../../src/db/customers.js';
import { browserAvailable, screenshot, useBrowser } from '../support/browser.js';
import { signInAs, startConsoleServer, type ConsoleServer } from '../support/console-server.js';
import { database } from '../support/databases.js';

const SQUARE = join(import.meta.dirname, '../../examples/customers-square-export.csv');
const browser = useBrowser();

describe.skipIf(!browserAvailable)('the import page in a browser', () => {
  const url = database('sqlite').fresh('file');
  let server: ConsoleServer;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-import-browser-'));
    server = await startConsoleServer({
      databaseUrl: url(),
      smtpUrl: 'smtp://127.0.0.1:2525',
      now: Date.now,
      config: { console: { import_dir: dir } },
    });
    await server.addUser('ed@example.com', 'editor');
  });
  afterAll(async () => {
    await server?.close();
  });

  async function review(viewport: 'desktop' | 'phone') {
    const { page, problems } = await browser.open(`${server.url}/console/login`, viewport);
    await signInAs(page, server.url, 'ed@example.com');
    await page.goto(`${server.url}/console/import`);
    await page.getByLabel('Customers').check();
    await page.getByLabel(/^File/).setInputFiles(SQUARE);
    await page.getByRole('button', { name: 'Upload and check' }).click();
    await page.waitForURL((u) => /^\/console\/import\/[0-9a-f]{32}$/.test(u.pathname));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Review customers-square-export.csv',
    );
    return { page, problems };
  }

  it('imports a Square export after reviewing its mapping and dry run', async () => {
    const { page, problems } = await review('desktop');
    expect(await page.getByLabel('Field for column Email Address').inputValue()).toBe('email');
    expect(await page.getByLabel('Field for column Surname').inputValue()).toBe('last_name');
    expect(await page.getByLabel('Field for column First Name').inputValue()).toBe('first_name');
    expect(await page.getByLabel('Field for column Birthday').inputValue()).toBe('birthday');
    expect(await page.getByLabel('Field for column Phone Number').inputValue()).toBe('phone_number');
    expect(await page.locator('#count-new .card-figure').textContent()).toBe('2');
    expect(await countCustomers(server.rt.db.knex)).toBe(0);
    await screenshot(page, 'console-import-desktop');

    await page.getByRole('button', { name: 'Import 2 customers' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Imported customers-square-export.csv');
    expect((await page.getByRole('status').innerText()).trim()).toBe('Read 2 rows; imported 2 customers.');
    expect(await countCustomers(server.rt.db.knex)).toBe(2);
    await page.getByRole('link', { name: 'See the customers' }).click();
    await page.waitForURL((u) => u.pathname === '/console/customers');
    expect(problems).toEqual([]);
  });

  it('shows the review at phone width', async () => {
    const { page, problems } = await review('phone');
    expect(await page.locator('#count-unchanged .card-figure').textContent()).toBe('2');
    await screenshot(page, 'console-import-phone');
    await page.getByRole('button', { name: 'Cancel and delete the file' }).click();
    await page.waitForURL((u) => u.search === '?done=cancelled');
    expect((await getCustomer(server.rt.db.knex, 'SQ-7F2K'))?.first_name).toBe('Dana');
    expect(problems).toEqual([]);
  });
});
