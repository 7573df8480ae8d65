/**
 * `rapport doctor` against a DNS server on 127.0.0.1 (RAPPORT_DNS) with good and broken records,
 * and the SMTP sink as the relay: every check passes on a well set-up domain, and each broken
 * record is named with what to do. The relay probe never sends a message.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { startDnsServer, type DnsServer, type Zone } from '../support/dns-server.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { writeTestConfig } from '../support/runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'rapport-doctor-'));
const keyPair = (): { privateKey: string; publicKey: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
};
const ours = keyPair();
const someoneElses = keyPair();
const KEY_FILE = join(dir, 'dkim.pem');
writeFileSync(KEY_FILE, ours.privateKey);

/** A domain set up as it should be; tests break one record at a time. */
function goodZone(): Zone {
  const p = ours.publicKey;
  return {
    'corner.example': {
      TXT: [['v=spf1 include:_spf.relay.example ~all'], ['google-site-verification=abc']],
      MX: [{ preference: 10, exchange: 'mx.corner.example' }],
    },
    '_spf.relay.example': { TXT: [['v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all']] },
    // A long key arrives in several strings: they are one record.
    'mail2026._domainkey.corner.example': {
      TXT: [['v=DKIM1; k=rsa; ', `p=${p.slice(0, 100)}`, p.slice(100)]],
    },
    '_dmarc.corner.example': { TXT: [['v=DMARC1; p=quarantine; rua=mailto:dmarc@corner.example']] },
    'bounces.corner.example': {
      TXT: [['v=spf1 include:_spf.relay.example -all']],
      MX: [{ preference: 10, exchange: 'imap.corner.example' }],
    },
  };
}

interface Line {
  check: string;
  status: string;
  detail: string;
  fix: string | null;
}

describe('rapport doctor', () => {
  let dns: DnsServer;
  let sink: SmtpSink;

  beforeAll(async () => {
    dns = await startDnsServer(goodZone());
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await dns?.close();
    await sink?.close();
  });

  async function doctor(publicUrl = 'https://mail.corner.example'): Promise<{ code: number; lines: Line[] }> {
    const config = {
      business: { from: 'Corner Coffee <hello@corner.example>' },
      smtp: { dkim: { domain: 'corner.example', selector: 'mail2026', private_key_file: KEY_FILE } },
      bounces: { domain: 'bounces.corner.example' },
    };
    const env = {
      RAPPORT_CONFIG: writeTestConfig(config),
      DATABASE_URL: `sqlite:${join(dir, 'rapport.db')}`,
      SMTP_URL: sink.url,
      RAPPORT_SECRET: 'doctor-secret-0123456789abcdef0123',
      RAPPORT_PUBLIC_URL: publicUrl,
      RAPPORT_DNS: dns.address,
    };
    const run = await cli(env, 'doctor', '--json');
    return {
      code: run.code,
      lines: run.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Line),
    };
  }

  const byCheck = (lines: Line[]) => Object.fromEntries(lines.map((l) => [l.check, l]));

  it('passes every check on a domain set up as it should be, and sends no message to the relay', async () => {
    dns.zone = goodZone();
    const { code, lines } = await doctor();
    expect(lines.map((l) => [l.check, l.status])).toEqual([
      ['spf (corner.example)', 'pass'],
      ['spf (bounces.corner.example)', 'pass'],
      ['dkim (mail2026._domainkey.corner.example)', 'pass'],
      ['dmarc (_dmarc.corner.example)', 'pass'],
      ['mx (from: corner.example)', 'pass'],
      ['mx (bounces: bounces.corner.example)', 'pass'],
      ['public url', 'pass'],
      ['relay accepts sender', 'pass'],
    ]);
    expect(lines.every((l) => l.fix === null)).toBe(true);
    expect(byCheck(lines)['relay accepts sender']?.detail).toMatch(
      /MAIL FROM:<bounces\+0\.[0-9a-f]{16}@bounces\.corner\.example>/,
    );
    expect(code).toBe(0);
    expect(sink.messages).toHaveLength(0);
  });

  it('names each broken record and what to do, and exits 1', async () => {
    const zone = goodZone();
    // Eleven look-ups through nested includes.
    zone['corner.example'] = {
      TXT: [['v=spf1 include:a.spf.example include:b.spf.example mx ~all']],
      MX: [],
    };
    zone['a.spf.example'] = { TXT: [['v=spf1 a mx exists:x.example include:c.spf.example -all']] };
    zone['b.spf.example'] = { TXT: [['v=spf1 a mx -all']] };
    zone['c.spf.example'] = { TXT: [['v=spf1 a:one.example a:two.example -all']] };
    zone['bounces.corner.example'] = { TXT: [['v=spf1 inclde:_spf.relay.example -all']] };
    zone['mail2026._domainkey.corner.example'] = { TXT: [[`v=DKIM1; k=rsa; p=${someoneElses.publicKey}`]] };
    zone['_dmarc.corner.example'] = { TXT: [['v=DMARC1; p=none']] };
    dns.zone = zone;
    sink.failMailFrom(550, 1, '5.7.1 Sender address rejected: not owned by user');
    const { code, lines } = await doctor('http://mail.corner.example');
    const c = byCheck(lines);
    expect(c['spf (corner.example)']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('needs 11 DNS look-ups'),
    });
    expect(c['spf (bounces.corner.example)']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('not SPF: inclde:_spf.relay.example'),
    });
    expect(c['dkim (mail2026._domainkey.corner.example)']).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining(ours.publicKey),
    });
    expect(c['dmarc (_dmarc.corner.example)']).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('policy none'),
    });
    expect(c['mx (from: corner.example)']).toMatchObject({ status: 'warn' });
    expect(c['public url']).toMatchObject({ status: 'warn' });
    expect(c['relay accepts sender']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('550 5.7.1 Sender address rejected'),
    });
    expect(
      lines.filter((l) => l.status !== 'pass').every((l) => typeof l.fix === 'string' && l.fix.length > 10),
    ).toBe(true);
    expect(code).toBe(1);
  });

  it('says when records are missing altogether', async () => {
    dns.zone = {};
    const { lines } = await doctor('http://127.0.0.1:8080');
    const c = byCheck(lines);
    expect(c['spf (corner.example)']).toMatchObject({
      status: 'fail',
      detail: 'no SPF record at corner.example',
    });
    expect(c['dkim (mail2026._domainkey.corner.example)']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('no DKIM key'),
    });
    expect(c['dmarc (_dmarc.corner.example)']).toMatchObject({ status: 'fail' });
    expect(c['mx (bounces: bounces.corner.example)']).toMatchObject({ status: 'fail' });
    expect(c['public url']).toMatchObject({ status: 'fail' });
  });
});
