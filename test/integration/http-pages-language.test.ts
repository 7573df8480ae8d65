/** The unsubscribe and preferences pages in the customer's language, on both databases. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databases } from '../support/databases.js';
import { linkToken, startTestHttp, type TestHttp } from '../support/http.js';
import { openTestRuntime } from '../support/runtime.js';
import { customer } from '../support/records.js';
import { upsertCustomers } from '../../src/db/customers.js';
import type { DbRuntime } from '../../src/runtime.js';

const NOW = Date.parse('2027-03-10T15:00:00Z');
const DAY = 86_400_000;

describe.each(databases())('customer pages by language on %s', (db) => {
  const url = db.fresh('test');
  let rt: DbRuntime;
  let http: TestHttp;
  beforeEach(async () => {
    rt = await openTestRuntime({
      databaseUrl: url(),
      smtpUrl: 'file:/tmp/rapport-unused-outbox',
      now: () => NOW,
    });
    await upsertCustomers(
      rt.db.knex,
      [
        customer('de', { locale: 'de-AT' }),
        customer('pt', { locale: 'pt-BR' }),
        customer('fr', { locale: 'fr' }),
        customer('es', { locale: 'es-MX' }),
        customer('ja', { locale: 'ja-JP' }),
        customer('xx', { locale: 'xx_!!' }),
      ],
      NOW - DAY,
    );
    http = await startTestHttp(rt);
  });
  afterEach(async () => {
    await http?.close();
    await rt?.close();
  });

  const page = async (id: string, scope: 'u' | 'p') =>
    (await fetch(`${http.url}/u/${linkToken(id, scope, NOW - DAY)}`)).text();

  it('shows each page in the customer language and falls back to English', async () => {
    expect(await page('de', 'u')).toMatch(/<html lang="de">[\s\S]*<h1>Abmelden<\/h1>/);
    expect(await page('de', 'p')).toContain('Auswahl speichern');
    expect(await page('pt', 'u')).toContain('<h1>Cancelar inscrição</h1>');
    expect(await page('fr', 'p')).toContain('Enregistrer mes choix');
    expect(await page('es', 'u')).toContain('<h1>Darse de baja</h1>');
    expect(await page('ja', 'u')).toMatch(/<html lang="en">[\s\S]*<h1>Unsubscribe<\/h1>/);
    expect(await page('xx', 'u')).toContain('<h1>Unsubscribe</h1>');
  });

  it('confirms in the customer language', async () => {
    const res = await fetch(`${http.url}/u/${linkToken('de', 'u', NOW - DAY)}`, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(await res.text()).toContain('Sie sind abgemeldet.');
  });
});
