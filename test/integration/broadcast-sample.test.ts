/**
 * The broadcast sample on both databases: rendered for the audience's first customer by id,
 * sample data for an empty audience, and the template as published now — the compiled
 * templates are kept between previews, so a version published in between must show.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { previewBroadcast, sampleBroadcast } from '../../src/broadcasts/preview.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { outreachDeps } from '../../src/outreach/startup.js';
import { saveVersion } from '../../src/outreach/templates.js';
import type { DbRuntime } from '../../src/runtime.js';
import { databases } from '../support/databases.js';
import { customer } from '../support/records.js';
import { openTestRuntime } from '../support/runtime.js';

const NOW = Date.parse('2027-03-10T15:00:00Z');

describe.each(databases())('broadcast sample on %s', (db) => {
  const url = db.fresh('test');
  let rt: DbRuntime;
  beforeEach(async () => {
    rt = await openTestRuntime({ databaseUrl: url(), smtpUrl: 'smtp://127.0.0.1:2525', now: () => NOW });
  });
  afterEach(async () => {
    await rt.close();
  });

  it('renders for the first customer of the audience, with the version published since the last sample', async () => {
    await upsertCustomers(
      rt.db.knex,
      [
        customer('c3', { first_name: 'Ines', tags: ['VIP'] }),
        customer('c2', { first_name: 'Omar', tags: ['vip'], subscribed: false }),
        customer('c1', { first_name: 'Maya' }),
      ],
      NOW - 1,
    );
    const input = { template: 'birthday', audience: { tags: ['Vip'] } };
    const first = await sampleBroadcast(rt, input);
    expect(first.sampleCustomer).toBe('c3');
    expect(first.sample.message.subject).toContain('Ines');

    await saveVersion(outreachDeps(rt), {
      kind: 'template',
      name: 'birthday',
      locale: '',
      content: { subject: 'Many happy returns, {{customer.first_name}}', html: '<p>v2</p>', text: null },
      baseVersion: 1,
      author: 'ann',
      publish: true,
    });
    const again = await previewBroadcast(rt, input);
    expect(again).toMatchObject({ audience: 1, sampleCustomer: 'c3' });
    expect(again.sample.message.subject).toBe('Many happy returns, Ines');

    const nobody = await sampleBroadcast(rt, { template: 'birthday', audience: { tags: ['none'] } });
    expect(nobody.sampleCustomer).toBeNull();
    expect(nobody.sample.message.subject).toBe('Many happy returns, Maya');
  });
});
