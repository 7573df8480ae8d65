import { describe, expect, it } from 'vitest';
import { parseReturnedMail } from '../../src/bounces/parse-mail.js';
import { verpAddress } from '../../src/bounces/verp.js';
import { bounceMail, withoutHeader, type BounceFixture, type Original } from '../support/bounce-fixtures.js';

const KEY = 'verp-test-key-0123456789';
const DOMAIN = 'bounces.corner.example';
const ORIGINAL: Original = {
  verp: verpAddress(KEY, 42, DOMAIN),
  rcpt: 'ann@example.com',
  id: 42,
  messageId: '<0123456789abcdef0123456789abcdef@corner.example>',
};
const options = { verpKey: KEY, verpDomain: DOMAIN };

const EXPECTED: Record<BounceFixture, { kind: string | null; status: string | null; diagnostic?: RegExp }> = {
  'postfix-hard': { kind: 'hard', status: '5.1.1', diagnostic: /User unknown in virtual mailbox table/ },
  'postfix-delayed': { kind: 'delayed', status: '4.4.1' },
  'exim-soft': { kind: 'soft', status: '4.2.2', diagnostic: /^452 4\.2\.2 .*over quota/ },
  'sendmail-hard': { kind: 'hard', status: '5.1.1', diagnostic: /User unknown/ },
  'exchange-hard': { kind: 'hard', status: '5.1.10', diagnostic: /RecipientNotFound/ },
  'gmail-hard': { kind: 'hard', status: '5.1.1', diagnostic: /does not exist/ },
  'arf-abuse': { kind: 'complaint', status: null, diagnostic: /feedback-type abuse/ },
  'auto-reply': { kind: 'auto-reply', status: null },
  'qmail-plain': { kind: 'hard', status: '5.1.1', diagnostic: /no mailbox here/ },
};

describe('returned mail from real servers', () => {
  for (const [name, expected] of Object.entries(EXPECTED) as Array<
    [BounceFixture, (typeof EXPECTED)[BounceFixture]]
  >) {
    it(`${name}: ${expected.kind}, about ann, naming delivery 42`, async () => {
      const report = await parseReturnedMail(bounceMail(name, ORIGINAL), options);
      expect(report.kind).toBe(expected.kind);
      expect(report.status).toBe(expected.status);
      if (expected.diagnostic) expect(report.diagnostic).toMatch(expected.diagnostic);
      expect(report.recipient).toBe('ann@example.com');
      expect(report.headerIds).toEqual(name === 'auto-reply' ? [] : [42]);
      expect(report.messageIds).toContain(ORIGINAL.messageId);
      const addressedToVerp = !['arf-abuse'].includes(name);
      expect(report.verpIds).toEqual(addressedToVerp ? [42] : []);
      expect(report.fingerprint).toMatch(/^mail:[0-9a-f]{64}$/);
    });
  }

  it('finds the header inside a message/rfc822 part and a text/rfc822-headers part, not only at the top', async () => {
    const noVerp = { verpKey: KEY };
    const inRfc822 = await parseReturnedMail(
      bounceMail('gmail-hard', ORIGINAL, withoutHeader('X-Original-Message-ID')),
      noVerp,
    );
    expect(inRfc822.verpIds).toEqual([]);
    expect(inRfc822.headerIds).toEqual([42]);
    const inHeaders = await parseReturnedMail(bounceMail('sendmail-hard', ORIGINAL), noVerp);
    expect(inHeaders.headerIds).toEqual([42]);
  });

  it('keeps the Message-ID when the returned headers lost ours', async () => {
    const report = await parseReturnedMail(
      bounceMail('exchange-hard', ORIGINAL, withoutHeader('X-Rapport-Message')),
      options,
    );
    expect(report.headerIds).toEqual([]);
    expect(report.messageIds).toEqual([ORIGINAL.messageId]);
  });

  it('trusts no VERP address with a wrong signature or for another domain', async () => {
    const forged = { ...ORIGINAL, verp: ORIGINAL.verp.replace(/\.[0-9a-f]{16}@/, '.0000000000000000@') };
    expect((await parseReturnedMail(bounceMail('postfix-hard', forged), options)).verpIds).toEqual([]);
    const other = { ...ORIGINAL, verp: verpAddress(KEY, 42, 'elsewhere.example') };
    expect((await parseReturnedMail(bounceMail('postfix-hard', other), options)).verpIds).toEqual([]);
    const otherKey = { ...ORIGINAL, verp: verpAddress('another-key', 42, DOMAIN) };
    expect((await parseReturnedMail(bounceMail('postfix-hard', otherKey), options)).verpIds).toEqual([]);
  });

  it('a VERP address survives a change of case on the way', async () => {
    const upper = { ...ORIGINAL, verp: ORIGINAL.verp.toUpperCase() };
    expect((await parseReturnedMail(bounceMail('postfix-hard', upper), options)).verpIds).toEqual([42]);
  });

  it('a not-spam feedback report and an ordinary message are not reports', async () => {
    const notSpam = await parseReturnedMail(
      bounceMail('arf-abuse', ORIGINAL, (t) => t.replace('Feedback-Type: abuse', 'Feedback-Type: not-spam')),
      options,
    );
    expect(notSpam.kind).toBeNull();
    const plain =
      'From: Bob <bob@example.com>\r\nTo: hello@corner.example\r\nSubject: Opening hours?\r\n\r\nAre you open on Sunday?\r\n';
    expect((await parseReturnedMail(plain, options)).kind).toBeNull();
  });

  it('the same bytes give the same fingerprint; other bytes another', async () => {
    const a = await parseReturnedMail(bounceMail('postfix-hard', ORIGINAL), options);
    const b = await parseReturnedMail(bounceMail('postfix-hard', ORIGINAL), options);
    const c = await parseReturnedMail(bounceMail('postfix-hard', { ...ORIGINAL, id: 43 }), options);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });
});
