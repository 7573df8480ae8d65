/**
 * DKIM: with smtp.dkim configured, every message is signed, the signature verifies with an
 * independent verifier, and it covers List-Unsubscribe and List-Unsubscribe-Post.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { database } from '../support/databases.js';
import { openTestRuntime } from '../support/runtime.js';
import { customer } from '../support/records.js';
import { upsertCustomers } from '../../src/db/customers.js';
import { runOnce } from '../../src/main.js';

const NOW = Date.parse('2027-03-10T15:00:00Z');

describe('DKIM signing', () => {
  const url = database('sqlite').fresh('test');
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(() => sink.close());

  it('signs marketing mail so that an independent verifier passes it, List-Unsubscribe-Post included', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = join(mkdtempSync(join(tmpdir(), 'rapport-dkim-')), 'dkim.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const rt = await openTestRuntime({
      databaseUrl: url(),
      smtpUrl: sink.url,
      now: () => NOW,
      config: { smtp: { dkim: { domain: 'corner.example', selector: 'test', private_key_file: keyFile } } },
    });
    try {
      await upsertCustomers(
        rt.db.knex,
        [customer('ann', { first_name: 'Ann', birthday: '03-10', timezone: 'America/New_York' })],
        NOW - 86_400_000,
      );
      await runOnce(rt);
    } finally {
      await rt.close();
    }
    const [message] = await sink.waitForMessages(1);
    const der = (publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64');
    const resolver = async (name: string, type: string) => {
      if (name === 'test._domainkey.corner.example' && type === 'TXT') return [[`v=DKIM1; k=rsa; p=${der}`]];
      throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
    };
    const result = await dkimVerify(message!.raw, { resolver });
    const signature = result.results[0];
    expect(signature?.status.result).toBe('pass');
    expect(signature?.signingDomain).toBe('corner.example');
    const signed =
      String(message!.raw)
        .match(/^DKIM-Signature:[\s\S]*?\bh=([^;]+);/im)?.[1]
        ?.replace(/\s+/g, '')
        .toLowerCase() ?? '';
    expect(signed.split(':')).toEqual(
      expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'from', 'subject']),
    );
  });
});
